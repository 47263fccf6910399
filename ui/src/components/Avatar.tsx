import { hashToIndex, initials } from "../lib/format";

type AvatarProps = {
  name: string;
  photo?: string | null;
  size?: "sm" | "md" | "lg" | "xl";
};

export function Avatar({ name, photo, size = "md" }: AvatarProps) {
  const tone = hashToIndex(name, 6);
  if (photo) {
    return <img className={`avatar avatar--${size}`} src={photo} alt="" />;
  }
  return (
    <span className={`avatar avatar--${size} avatar--tone-${tone}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
