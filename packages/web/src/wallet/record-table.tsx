// A table of records under a heading, as the Supervision page lists them: its column headers, and
// sideways scrolling on a narrow screen.
import type { ComponentChildren } from 'preact';

export function RecordTable(props: {
  /** The id of the heading that names the table. */
  labelledBy: string;
  testId?: string;
  columns: readonly string[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-scroll">
      <table aria-labelledby={props.labelledBy} data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col">{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
