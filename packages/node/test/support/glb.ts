// Small valid GLB files for registration tests, made with glTF-Transform (the node validates them
// with the Khronos validator on upload).
import { Document, NodeIO } from '@gltf-transform/core';

/**
 * A unit square of two triangles, `name`d, in the colour `rgb`: every square has the same geometry
 * (so the node marks them "possible prior work" of each other) but different bytes.
 */
export function squareGlb(rgb: [number, number, number], name = 'square'): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const positions = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0]);
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer))
    .setIndices(
      doc
        .createAccessor()
        .setType('SCALAR')
        .setArray(new Uint16Array([0, 1, 2, 1, 3, 2]))
        .setBuffer(buffer),
    )
    .setMaterial(doc.createMaterial('paint').setBaseColorFactor([...rgb, 1]));
  doc.createScene().addChild(doc.createNode(name).setMesh(doc.createMesh(name).addPrimitive(prim)));
  return new NodeIO().writeBinary(doc);
}

/** A single triangle with apex height `h`: another geometry for each `h`. */
export function triangleGlb(h: number): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const prim = doc.createPrimitive().setAttribute(
    'POSITION',
    doc
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0.5, h, 0]))
      .setBuffer(buffer),
  );
  doc
    .createScene()
    .addChild(doc.createNode('triangle').setMesh(doc.createMesh('triangle').addPrimitive(prim)));
  return new NodeIO().writeBinary(doc);
}
