import type { SelectHTMLAttributes } from "react";
import { Icon } from "./Icon";

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, "size"> & {
  options: ReadonlyArray<{ value: string; label: string }>;
  size?: "md" | "sm";
};

/** A native select (keyboard and screen-reader friendly) styled like the other controls. */
export function Select({ options, className, size = "md", ...rest }: SelectProps) {
  return (
    <span className={["select", size === "sm" ? "select--sm" : "", className ?? ""].filter(Boolean).join(" ")}>
      <select className="select__control" {...rest}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Icon name="chevronDown" size={16} className="select__arrow" />
    </span>
  );
}
