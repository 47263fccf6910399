/** The chart's numbers as a table, for screen readers only. */
export function ChartDataTable({
  caption,
  columns,
  rows,
}: {
  caption: string;
  columns: [string, string];
  rows: Array<{ key: string; label: string; value: number }>;
}) {
  return (
    <table className="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{columns[0]}</th>
          <th scope="col">{columns[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            <td>{row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function chartAriaLabel(title: string, rows: Array<{ label: string; value: number }>): string {
  return `${title}: ${rows.map((row) => `${row.label} ${row.value}`).join(", ")}`;
}
