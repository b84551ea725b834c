// Just enough of a document for format.renderText: nodes, attributes, text. It records how
// nodes were made, so a test can prove that no HTML was ever parsed.

class Node {
  constructor(kind, name = "") {
    this.kind = kind;
    this.name = name;
    this.attributes = {};
    this.children = [];
    this.text = "";
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  appendChild(child) {
    this.children.push(child);
    return child;
  }
  set textContent(value) {
    this.children = [];
    this.text = String(value);
  }
  get textContent() {
    return this.kind === "text" ? this.text : this.text + this.children.map((c) => c.textContent).join("");
  }
  set innerHTML(_value) {
    throw new Error("innerHTML must never be used");
  }
}

export function fakeDocument() {
  return {
    createDocumentFragment: () => new Node("fragment"),
    createElement: (name) => new Node("element", name),
    createTextNode: (text) => Object.assign(new Node("text"), { text: String(text) }),
  };
}
