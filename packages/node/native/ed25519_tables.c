/*
 * Ed25519 verification with a precomputed table for the public key as well as for the base point.
 *
 * A log's transactions are signed by few keys many times each. OpenSSL verifies each signature
 * from scratch: it decodes A and computes [S]B - [k]A with a sliding window, about 250 doublings
 * and 100 additions. Given a table of A's multiples (m * 256^j * A for m = 1..8, j = 0..31, built
 * once per key), [k]A takes the same fixed-base comb as [S]B: both together are 128 additions and
 * 4 doublings. The equation checked is OpenSSL's (cofactorless: the encoding of [S]B - [k]A equals
 * R's bytes), so "true" here means what OpenSSL's "true" means; the caller settles every "false"
 * with the strict verifier, as it does OpenSSL's.
 *
 * Everything is public data, so nothing here needs to be constant-time. Field elements are five
 * 51-bit limbs (radix 2^51) with 128-bit products; points are extended twisted Edwards coordinates
 * (Hisil, Wong, Carter, Dawson 2008), with the complete a = -1 addition formulas. k = SHA-512(R
 * || A || M) mod L is computed with the OpenSSL that Node exports to addons. The JavaScript side
 * (src/ed25519-tables.ts) checks S < L and the encodings of R and A first, and keeps the tables.
 */
#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef uint64_t fe[5];

#define MASK51 ((1ULL << 51) - 1)

static const fe FE_D = {0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL, 0x739c663a03cbbULL,
                        0x52036cee2b6ffULL};
static const fe FE_D2 = {0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL, 0x6738cc7407977ULL,
                         0x2406d9dc56dffULL};
static const fe FE_SQRTM1 = {0x61b274a0ea0b0ULL, 0xd5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL, 0x78595a6804c9eULL,
                             0x2b8324804fc1dULL};

/* Limbs back under 2^51 (the lowest under 2^51 + 2^18): the value is unchanged mod p. */
static inline void fe_carry(fe r) {
  uint64_t c;
  c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
  c = r[1] >> 51; r[1] &= MASK51; r[2] += c;
  c = r[2] >> 51; r[2] &= MASK51; r[3] += c;
  c = r[3] >> 51; r[3] &= MASK51; r[4] += c;
  c = r[4] >> 51; r[4] &= MASK51; r[0] += c * 19;
}

static inline void fe_add(fe r, const fe a, const fe b) {
  for (int i = 0; i < 5; i++) r[i] = a[i] + b[i];
  fe_carry(r);
}

/* a - b, as a + 2p - b: every limb of a carried b is below 2p's. */
static inline void fe_sub(fe r, const fe a, const fe b) {
  r[0] = a[0] + 0xfffffffffffdaULL - b[0];
  r[1] = a[1] + 0xffffffffffffeULL - b[1];
  r[2] = a[2] + 0xffffffffffffeULL - b[2];
  r[3] = a[3] + 0xffffffffffffeULL - b[3];
  r[4] = a[4] + 0xffffffffffffeULL - b[4];
  fe_carry(r);
}

static inline void fe_neg(fe r, const fe a) {
  static const fe zero = {0, 0, 0, 0, 0};
  fe_sub(r, zero, a);
}

/* 2^255 = 19 (mod p): the products above 2^255 come back multiplied by 19. */
static inline void fe_reduce_wide(fe r, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
  t1 += (uint64_t)(t0 >> 51);
  t2 += (uint64_t)(t1 >> 51);
  t3 += (uint64_t)(t2 >> 51);
  t4 += (uint64_t)(t3 >> 51);
  uint64_t r0 = (uint64_t)t0 & MASK51;
  r[1] = (uint64_t)t1 & MASK51;
  r[2] = (uint64_t)t2 & MASK51;
  r[3] = (uint64_t)t3 & MASK51;
  r[4] = (uint64_t)t4 & MASK51;
  r0 += (uint64_t)(t4 >> 51) * 19;
  r[1] += r0 >> 51;
  r[0] = r0 & MASK51;
}

static inline void fe_mul(fe r, const fe f, const fe g) {
  uint64_t g1 = g[1] * 19, g2 = g[2] * 19, g3 = g[3] * 19, g4 = g[4] * 19;
  u128 t0 = (u128)f[0] * g[0] + (u128)f[1] * g4 + (u128)f[2] * g3 + (u128)f[3] * g2 + (u128)f[4] * g1;
  u128 t1 = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4 + (u128)f[3] * g3 + (u128)f[4] * g2;
  u128 t2 = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4 + (u128)f[4] * g3;
  u128 t3 = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] + (u128)f[4] * g4;
  u128 t4 = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] + (u128)f[4] * g[0];
  fe_reduce_wide(r, t0, t1, t2, t3, t4);
}

static inline void fe_sq(fe r, const fe f) {
  uint64_t f0_2 = f[0] * 2, f1_2 = f[1] * 2;
  uint64_t f3_19 = f[3] * 19, f4_19 = f[4] * 19;
  u128 t0 = (u128)f[0] * f[0] + (u128)f1_2 * f4_19 + (u128)(f[2] * 2) * f3_19;
  u128 t1 = (u128)f0_2 * f[1] + (u128)(f[2] * 2) * f4_19 + (u128)f[3] * f3_19;
  u128 t2 = (u128)f0_2 * f[2] + (u128)f[1] * f[1] + (u128)(f[3] * 2) * f4_19;
  u128 t3 = (u128)f0_2 * f[3] + (u128)f1_2 * f[2] + (u128)f[4] * f4_19;
  u128 t4 = (u128)f0_2 * f[4] + (u128)f1_2 * f[3] + (u128)f[2] * f[2];
  fe_reduce_wide(r, t0, t1, t2, t3, t4);
}

static inline void fe_sq_times(fe r, const fe f, int n) {
  fe_sq(r, f);
  for (int i = 1; i < n; i++) fe_sq(r, r);
}

static uint64_t load64(const uint8_t *s) {
  uint64_t r = 0;
  for (int i = 7; i >= 0; i--) r = (r << 8) | s[i];
  return r;
}

static void store64(uint8_t *s, uint64_t v) {
  for (int i = 0; i < 8; i++) s[i] = (uint8_t)(v >> (8 * i));
}

/* The 255 low bits of 32 little-endian bytes (the top bit, a sign, is the caller's). */
static void fe_frombytes(fe r, const uint8_t s[32]) {
  r[0] = load64(s) & MASK51;
  r[1] = (load64(s + 6) >> 3) & MASK51;
  r[2] = (load64(s + 12) >> 6) & MASK51;
  r[3] = (load64(s + 19) >> 1) & MASK51;
  r[4] = (load64(s + 24) >> 12) & MASK51;
}

/* The canonical encoding: the value reduced below p, little-endian. */
static void fe_tobytes(uint8_t s[32], const fe f) {
  fe t;
  memcpy(t, f, sizeof(fe));
  fe_carry(t);
  fe_carry(t); /* now below 2^255 + 19, so at most one p to take away */
  uint64_t q = (t[0] + 19) >> 51;
  q = (t[1] + q) >> 51;
  q = (t[2] + q) >> 51;
  q = (t[3] + q) >> 51;
  q = (t[4] + q) >> 51; /* 1 if t >= p */
  t[0] += 19 * q;
  t[1] += t[0] >> 51; t[0] &= MASK51;
  t[2] += t[1] >> 51; t[1] &= MASK51;
  t[3] += t[2] >> 51; t[2] &= MASK51;
  t[4] += t[3] >> 51; t[3] &= MASK51;
  t[4] &= MASK51; /* the carry out is the 2^255 of the p taken away */
  store64(s, t[0] | (t[1] << 51));
  store64(s + 8, (t[1] >> 13) | (t[2] << 38));
  store64(s + 16, (t[2] >> 26) | (t[3] << 25));
  store64(s + 24, (t[3] >> 39) | (t[4] << 12));
}

static int fe_equal(const fe a, const fe b) {
  uint8_t x[32], y[32];
  fe_tobytes(x, a);
  fe_tobytes(y, b);
  return memcmp(x, y, 32) == 0;
}

/* z^(2^250 - 1), and z^11 on the side: the common start of inversion and square root. */
static void fe_pow2_250_1(fe r, fe z11, const fe z) {
  fe z2, z9, t, a, b, c;
  fe_sq(z2, z);
  fe_sq_times(t, z2, 2);
  fe_mul(z9, t, z);
  fe_mul(z11, z9, z2);
  fe_sq(t, z11);
  fe_mul(a, t, z9); /* 2^5 - 1 */
  fe_sq_times(t, a, 5);
  fe_mul(a, t, a); /* 2^10 - 1 */
  fe_sq_times(t, a, 10);
  fe_mul(b, t, a); /* 2^20 - 1 */
  fe_sq_times(t, b, 20);
  fe_mul(t, t, b); /* 2^40 - 1 */
  fe_sq_times(t, t, 10);
  fe_mul(b, t, a); /* 2^50 - 1 */
  fe_sq_times(t, b, 50);
  fe_mul(c, t, b); /* 2^100 - 1 */
  fe_sq_times(t, c, 100);
  fe_mul(t, t, c); /* 2^200 - 1 */
  fe_sq_times(t, t, 50);
  fe_mul(r, t, b); /* 2^250 - 1 */
}

/* z^(p - 2) = 1/z (Fermat). */
static void fe_invert(fe r, const fe z) {
  fe t, z11;
  fe_pow2_250_1(t, z11, z);
  fe_sq_times(t, t, 5);
  fe_mul(r, t, z11); /* 2^255 - 32 + 11 */
}

/* z^((p - 5) / 8) = z^(2^252 - 3), for square roots (RFC 8032 §5.1.3). */
static void fe_pow22523(fe r, const fe z) {
  fe t, z11;
  fe_pow2_250_1(t, z11, z);
  fe_sq_times(t, t, 2);
  fe_mul(r, t, z);
}

typedef struct {
  fe X, Y, Z, T; /* x = X/Z, y = Y/Z, xy = T/Z */
} point;

/* A point ready to be added: (Y + X, Y - X, Z, 2dT). */
typedef struct {
  fe YplusX, YminusX, Z, T2d;
} cached;

static void point_identity(point *p) {
  memset(p, 0, sizeof(point));
  p->Y[0] = 1;
  p->Z[0] = 1;
}

static void point_to_cached(cached *c, const point *p) {
  fe_add(c->YplusX, p->Y, p->X);
  fe_sub(c->YminusX, p->Y, p->X);
  memcpy(c->Z, p->Z, sizeof(fe));
  fe_mul(c->T2d, p->T, FE_D2);
}

/* r = p + q, or p - q when negate: add-2008-hwcd-3, complete for a = -1 and d not a square. */
static void point_add(point *r, const point *p, const cached *q, int negate) {
  fe a, b, c, d, e, f, g, h;
  fe_sub(a, p->Y, p->X);
  fe_add(b, p->Y, p->X);
  /* -q = (-x, y): Y + X and Y - X trade places and T changes sign. */
  fe_mul(a, a, negate ? q->YplusX : q->YminusX);
  fe_mul(b, b, negate ? q->YminusX : q->YplusX);
  fe_mul(c, p->T, q->T2d);
  fe_mul(d, p->Z, q->Z);
  fe_add(d, d, d);
  fe_sub(e, b, a);
  fe_add(h, b, a);
  if (negate) {
    fe_add(f, d, c);
    fe_sub(g, d, c);
  } else {
    fe_sub(f, d, c);
    fe_add(g, d, c);
  }
  fe_mul(r->X, e, f);
  fe_mul(r->Y, g, h);
  fe_mul(r->T, e, h);
  fe_mul(r->Z, f, g);
}

/* r = 2p: dbl-2008-hwcd with a = -1. */
static void point_double(point *r, const point *p) {
  fe a, b, c, e, f, g, h, s;
  fe_sq(a, p->X);
  fe_sq(b, p->Y);
  fe_sq(c, p->Z);
  fe_add(c, c, c);
  fe_add(s, p->X, p->Y);
  fe_sq(s, s);
  fe_add(h, a, b); /* -H of the formula; the signs below keep the point the same */
  fe_sub(e, s, h);
  fe_sub(g, b, a);
  fe_sub(f, c, g); /* -F */
  fe_mul(r->X, e, f);
  fe_mul(r->Y, h, g);
  fe_mul(r->Z, g, f);
  fe_mul(r->T, e, h);
}

/* The point a canonical encoding names (RFC 8032 §5.1.3); 0 if it names none. */
static int point_decode(point *p, const uint8_t s[32]) {
  uint8_t check[32];
  fe u, v, v3, vxx, t, one = {1, 0, 0, 0, 0};
  int sign = s[31] >> 7;
  fe_frombytes(p->Y, s);
  fe_tobytes(check, p->Y);
  check[31] |= (uint8_t)(sign << 7);
  if (memcmp(check, s, 32) != 0) return 0; /* y >= p */
  memcpy(p->Z, one, sizeof(fe));
  fe_sq(u, p->Y);
  fe_mul(v, u, FE_D);
  fe_sub(u, u, one); /* u = y^2 - 1 */
  fe_add(v, v, one); /* v = d y^2 + 1 */
  fe_sq(v3, v);
  fe_mul(v3, v3, v); /* v^3 */
  fe_sq(t, v3);
  fe_mul(t, t, v);
  fe_mul(t, t, u); /* u v^7 */
  fe_pow22523(t, t);
  fe_mul(t, t, v3);
  fe_mul(p->X, t, u); /* x = u v^3 (u v^7)^((p - 5) / 8) */
  fe_sq(vxx, p->X);
  fe_mul(vxx, vxx, v);
  if (!fe_equal(vxx, u)) {
    fe_neg(t, u);
    if (!fe_equal(vxx, t)) return 0; /* u / v has no square root: not on the curve */
    fe_mul(p->X, p->X, FE_SQRTM1);
  }
  uint8_t x[32];
  fe_tobytes(x, p->X);
  int zero = 1;
  for (int i = 0; i < 32; i++) zero &= x[i] == 0;
  if (zero && sign) return 0;
  if ((x[0] & 1) != sign) fe_neg(p->X, p->X);
  fe_mul(p->T, p->X, p->Y);
  return 1;
}

static void point_encode(uint8_t s[32], const point *p) {
  fe zi, x, y;
  uint8_t xs[32];
  fe_invert(zi, p->Z);
  fe_mul(x, p->X, zi);
  fe_mul(y, p->Y, zi);
  fe_tobytes(s, y);
  fe_tobytes(xs, x);
  s[31] ^= (uint8_t)((xs[0] & 1) << 7);
}

/*
 * A table: P's encoding (32 bytes, so that a table is never used with another key), then
 * m * 256^j * P for j = 0..31 (rows), m = 1..8 (columns).
 */
#define TABLE_ROWS 32
#define TABLE_COLUMNS 8
#define TABLE_HEADER 32
#define TABLE_BYTES (TABLE_HEADER + TABLE_ROWS * TABLE_COLUMNS * sizeof(cached))

static void table_build(cached *table, const point *p) {
  point row = *p, sum;
  cached row_cached;
  for (int j = 0; j < TABLE_ROWS; j++) {
    point_to_cached(&row_cached, &row);
    table[j * TABLE_COLUMNS] = row_cached;
    sum = row;
    for (int m = 1; m < TABLE_COLUMNS; m++) {
      point_add(&sum, &sum, &row_cached, 0);
      point_to_cached(&table[j * TABLE_COLUMNS + m], &sum);
    }
    for (int i = 0; i < 8 && j + 1 < TABLE_ROWS; i++) point_double(&row, &row);
  }
}

/* A scalar below 2^253 as 64 signed digits in [-8, 8]: a = sum of e[i] 16^i. */
static void scalar_digits(int8_t e[64], const uint8_t a[32]) {
  for (int i = 0; i < 32; i++) {
    e[2 * i] = a[i] & 15;
    e[2 * i + 1] = (a[i] >> 4) & 15;
  }
  int8_t carry = 0;
  for (int i = 0; i < 63; i++) {
    e[i] += carry;
    carry = (int8_t)((e[i] + 8) >> 4);
    e[i] -= (int8_t)(carry << 4);
  }
  e[63] += carry;
}

static inline void add_digit(point *acc, const cached *row, int digit) {
  if (digit > 0) point_add(acc, acc, &row[digit - 1], 0);
  else if (digit < 0) point_add(acc, acc, &row[-digit - 1], 1);
}

/* Whether the encoding of [s]B - [k]A is r's bytes. */
static int verify_with_tables(const cached *table_b, const cached *table_a, const uint8_t s[32],
                              const uint8_t k[32], const uint8_t r[32]) {
  int8_t es[64], ek[64];
  scalar_digits(es, s);
  scalar_digits(ek, k);
  point acc;
  point_identity(&acc);
  /* sum_j (16 e[2j+1] + e[2j]) 256^j: the odd digits first, times 16, then the even ones. */
  for (int j = 0; j < TABLE_ROWS; j++) {
    add_digit(&acc, &table_b[j * TABLE_COLUMNS], es[2 * j + 1]);
    add_digit(&acc, &table_a[j * TABLE_COLUMNS], -ek[2 * j + 1]);
  }
  for (int i = 0; i < 4; i++) point_double(&acc, &acc);
  for (int j = 0; j < TABLE_ROWS; j++) {
    add_digit(&acc, &table_b[j * TABLE_COLUMNS], es[2 * j]);
    add_digit(&acc, &table_a[j * TABLE_COLUMNS], -ek[2 * j]);
  }
  uint8_t encoded[32];
  point_encode(encoded, &acc);
  return memcmp(encoded, r, 32) == 0;
}

/* ---- Node-API ---- */

static int bytes_arg(napi_env env, napi_value value, size_t length, void **data) {
  napi_typedarray_type type;
  size_t size;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &size, data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_uint8_array && size == length;
}

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* buildTable(point: 32 bytes): the table of a point's multiples, or null if the bytes name no point. */
static napi_value build_table(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  void *encoded;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      !bytes_arg(env, argv[0], 32, &encoded))
    return throw_type_error(env, "buildTable(point): point must be a Uint8Array of 32 bytes");
  point p;
  if (!point_decode(&p, encoded)) {
    napi_get_null(env, &result);
    return result;
  }
  void *data;
  napi_value buffer;
  if (napi_create_arraybuffer(env, TABLE_BYTES, &data, &buffer) != napi_ok) return NULL;
  memcpy(data, encoded, TABLE_HEADER);
  table_build((cached *)((uint8_t *)data + TABLE_HEADER), &p);
  napi_create_typedarray(env, napi_uint8_array, TABLE_BYTES, buffer, 0, &result);
  return result;
}

/* L, the order of the base point, big-endian. */
static const uint8_t ORDER_L[32] = {0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0x14, 0xde, 0xf9, 0xde, 0xa2, 0xf7, 0x9c, 0xd6,
                                    0x58, 0x12, 0x63, 0x1a, 0x5c, 0xf5, 0xd3, 0xed};

/* k = SHA-512(R || A || M) mod L, little-endian (RFC 8032 §5.1.7); 0 if OpenSSL fails. */
static int challenge(uint8_t k[32], const uint8_t *r, const uint8_t *a, const uint8_t *m, size_t m_len) {
  uint8_t digest[64];
  EVP_MD_CTX *sha = EVP_MD_CTX_new();
  int hashed = sha && EVP_DigestInit_ex(sha, EVP_sha512(), NULL) && EVP_DigestUpdate(sha, r, 32) &&
               EVP_DigestUpdate(sha, a, 32) && EVP_DigestUpdate(sha, m, m_len) &&
               EVP_DigestFinal_ex(sha, digest, NULL);
  EVP_MD_CTX_free(sha);
  if (!hashed) return 0;
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *h = BN_lebin2bn(digest, 64, NULL), *l = BN_bin2bn(ORDER_L, 32, NULL), *rem = BN_new();
  int ok = ctx && h && l && rem && BN_nnmod(rem, h, l, ctx) && BN_bn2lebinpad(rem, k, 32) == 32;
  BN_free(rem);
  BN_free(l);
  BN_free(h);
  BN_CTX_free(ctx);
  return ok;
}

/*
 * verify(tableB, tableA, signature, publicKey, message): whether the encoding of [S]B - [k]A is R,
 * where the signature is R || S, k is the challenge and tableA the table of publicKey's point.
 */
static napi_value verify(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], result;
  void *table_b, *table_a, *signature, *public_key, *message;
  napi_typedarray_type type;
  size_t message_len, offset;
  napi_value buffer;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 ||
      !bytes_arg(env, argv[0], TABLE_BYTES, &table_b) || !bytes_arg(env, argv[1], TABLE_BYTES, &table_a) ||
      !bytes_arg(env, argv[2], 64, &signature) || !bytes_arg(env, argv[3], 32, &public_key) ||
      napi_get_typedarray_info(env, argv[4], &type, &message_len, &message, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array)
    return throw_type_error(env, "verify(tableB, tableA, signature, publicKey, message): two tables and "
                                 "Uint8Arrays of 64 bytes, 32 bytes and any length");
  if ((uintptr_t)table_b % 8 != 0 || (uintptr_t)table_a % 8 != 0)
    return throw_type_error(env, "verify: the tables must be 8-byte aligned");
  const uint8_t *r = signature, *s = (const uint8_t *)signature + 32;
  /* An S of 2^253 or more would overflow the top digit; the caller has refused S >= L already. */
  if (s[31] >= 0x20) return throw_type_error(env, "verify: S must be below L");
  if (memcmp(table_a, public_key, TABLE_HEADER) != 0)
    return throw_type_error(env, "verify: tableA is not the table of publicKey");
  uint8_t k[32];
  if (!challenge(k, r, public_key, message_len ? message : (const uint8_t *)"", message_len)) {
    napi_throw_error(env, NULL, "verify: OpenSSL could not hash the challenge");
    return NULL;
  }
  const cached *rows_b = (const cached *)((const uint8_t *)table_b + TABLE_HEADER);
  const cached *rows_a = (const cached *)((const uint8_t *)table_a + TABLE_HEADER);
  napi_get_boolean(env, verify_with_tables(rows_b, rows_a, s, k, r), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn, bytes;
  napi_create_function(env, "buildTable", NAPI_AUTO_LENGTH, build_table, NULL, &fn);
  napi_set_named_property(env, exports, "buildTable", fn);
  napi_create_function(env, "verify", NAPI_AUTO_LENGTH, verify, NULL, &fn);
  napi_set_named_property(env, exports, "verify", fn);
  napi_create_uint32(env, (uint32_t)TABLE_BYTES, &bytes);
  napi_set_named_property(env, exports, "tableBytes", bytes);
  return exports;
}
