/** The chart's numbers as a table, for screen readers only. */
export function ChartDataTable({
  caption,
  columns,
  rows,
}: {
  caption: string;
  /** The category heading, then one heading per value column. */
  columns: string[];
  /** `value` for a one-series chart; `values`, one per value column, for a stacked one. */
  rows: Array<{ key: string; label: string; value?: number; values?: number[] }>;
}) {
  return (
    <table className="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            {(row.values ?? [row.value ?? 0]).map((value, index) => (
              <td key={columns[index + 1] ?? index}>{value}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function chartAriaLabel(title: string, rows: Array<{ label: string; value: number }>): string {
  return `${title}: ${rows.map((row) => `${row.label} ${row.value}`).join(", ")}`;
}
