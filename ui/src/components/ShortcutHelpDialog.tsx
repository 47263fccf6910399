import { SHORTCUT_HELP } from "../lib/keyboardShortcuts";
import { Overlay } from "./Overlay";

export function ShortcutHelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Overlay open={open} onClose={onClose} title="Keyboard shortcuts" size="sm" testId="shortcut-help">
      <table className="shortcut-table">
        <tbody>
          {SHORTCUT_HELP.map((shortcut) => (
            <tr key={shortcut.description}>
              <th scope="row">{shortcut.description}</th>
              <td>
                {shortcut.keys.map((combo, comboIndex) => (
                  <span key={combo.join("+")} className="shortcut-combo">
                    {comboIndex > 0 ? <span className="shortcut-or">or</span> : null}
                    {combo.map((key, keyIndex) => (
                      <span key={key}>
                        {keyIndex > 0 && combo[0] === "Alt" ? <span className="shortcut-plus">+</span> : null}
                        <kbd className="kbd">{key}</kbd>
                      </span>
                    ))}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Overlay>
  );
}
