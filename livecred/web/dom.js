// Small DOM helpers shared by the page's modules.

export const $ = (id) => document.getElementById(id);

export function show(id, visible = true) {
  $(id).hidden = !visible;
}

// A new element: attrs are properties, "text" is its text, data-* are attributes.
export function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}
