// A stack of open overlays (dialogs, side panels). Escape closes only the topmost one,
// and global single-key shortcuts are suspended while any modal layer is open.

export type Layer = {
  id: number;
  modal: boolean;
  onEscape: () => void;
};

export class LayerStack {
  private layers: Layer[] = [];
  private nextId = 1;

  /** Adds a layer on top; returns a function that removes it again. */
  push(onEscape: () => void, modal: boolean): { id: number; remove: () => void; update: (onEscape: () => void) => void } {
    const layer: Layer = { id: this.nextId, modal, onEscape };
    this.nextId += 1;
    this.layers.push(layer);
    return {
      id: layer.id,
      remove: () => {
        this.layers = this.layers.filter((item) => item.id !== layer.id);
      },
      update: (handler) => {
        layer.onEscape = handler;
      },
    };
  }

  get size(): number {
    return this.layers.length;
  }

  isTop(id: number): boolean {
    return this.layers.length > 0 && this.layers[this.layers.length - 1].id === id;
  }

  hasModal(): boolean {
    return this.layers.some((layer) => layer.modal);
  }

  /** Closes the topmost layer. Returns false when there was nothing to close. */
  escape(): boolean {
    const top = this.layers[this.layers.length - 1];
    if (!top) return false;
    top.onEscape();
    return true;
  }
}

export const layerStack = new LayerStack();
