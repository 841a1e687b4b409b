/**
 * A table's row of column headings. `actions` names a last column of row buttons or links: its heading
 * is for screen readers only, so the column has a name when read cell by cell but no visible title.
 */
export function TableHead({ columns, actions }: { columns: readonly string[]; actions?: string }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={column}>
            {column}
          </th>
        ))}
        {actions !== undefined && (
          <th scope="col">
            <span className="visually-hidden">{actions}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
