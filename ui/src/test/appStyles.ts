import tokens from "../styles/tokens.css?raw";
import base from "../styles/base.css?raw";
import components from "../styles/components.css?raw";
import layout from "../styles/layout.css?raw";
import depth from "../styles/depth.css?raw";

/**
 * jsdom does not cascade stylesheets into getComputedStyle, so tests that pin a layout rule
 * load the app's real CSS (same files, same order as main.tsx) and ask which declaration wins
 * for an element: the matching rule with the highest specificity, later rules winning ties.
 */
export function loadAppStyles(): () => void {
  const style = document.createElement("style");
  style.setAttribute("data-test-styles", "");
  style.textContent = [tokens, base, components, layout, depth].join("\n");
  document.head.appendChild(style);
  return () => style.remove();
}

type Specificity = [number, number, number];

function specificityOf(selector: string): Specificity {
  // Good enough for this app's selectors: no :is()/:where() arguments are weighted specially.
  const withoutPseudoElements = selector.replace(/::[\w-]+/g, " ");
  const ids = (withoutPseudoElements.match(/#[\w-]+/g) ?? []).length;
  const classes = (withoutPseudoElements.match(/\.[\w-]+|\[[^\]]*\]|:(?!not\()[\w-]+/g) ?? []).length;
  const types = (withoutPseudoElements.replace(/\[[^\]]*\]|[.#:][\w-]+(\([^)]*\))?/g, " ").match(/[a-zA-Z][\w-]*/g) ?? []).length;
  return [ids, classes, types];
}

function compare(a: Specificity, b: Specificity): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The value the cascade gives `property` on `element` from the loaded styles, or "" if no rule sets it.
 * `viewportWidth` makes `(max-width: …)` / `(min-width: …)` media rules apply as at that width;
 * without it, media rules are ignored.
 */
export function cascadedValue(element: Element, property: string, viewportWidth?: number): string {
  let best: { specificity: Specificity; value: string; important: boolean } | null = null;
  const consider = (rules: CSSRuleList) => {
    for (const rule of Array.from(rules)) {
      if (rule instanceof CSSMediaRule) {
        if (viewportWidth !== undefined && mediaMatches(rule.media.mediaText, viewportWidth)) consider(rule.cssRules);
        continue;
      }
      if (!(rule instanceof CSSStyleRule)) continue;
      const value = rule.style.getPropertyValue(property);
      if (!value) continue;
      const important = rule.style.getPropertyPriority(property) === "important";
      for (const selector of rule.selectorText.split(",")) {
        const trimmed = selector.trim();
        let matches = false;
        try {
          matches = element.matches(trimmed);
        } catch {
          matches = false;
        }
        if (!matches) continue;
        const specificity = specificityOf(trimmed);
        if (
          best === null ||
          (important && !best.important) ||
          (important === best.important && compare(specificity, best.specificity) >= 0)
        ) {
          best = { specificity, value, important };
        }
      }
    }
  };
  for (const sheet of Array.from(document.styleSheets)) consider(sheet.cssRules);
  return best === null ? "" : (best as { value: string }).value;
}

function mediaMatches(mediaText: string, width: number): boolean {
  const conditions = mediaText.match(/\((max|min)-width:\s*(\d+)px\)/g);
  if (!conditions) return false;
  return conditions.every((condition) => {
    const [, kind, pixels] = condition.match(/\((max|min)-width:\s*(\d+)px\)/) ?? [];
    const limit = Number(pixels);
    return kind === "max" ? width <= limit : width >= limit;
  });
}
