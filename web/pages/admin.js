// pages/admin.js - what admins manage: users (a new user's password is
// shown once), API keys (a new key is shown once) and machines. A secret
// is shown in the page only, never stored by it: copy it when it appears.
import { api, session } from "../api.js";
import { el, notice, when } from "../dom.js";

function secretBox(label, value) {
  return el("div", { role: "status" }, el("p", {}, label,
    " (shown once: copy it now)"), el("p", { class: "secret" }, value));
}

// `refresh(name)` redraws another section: a user added or removed
// changes the API keys' owners (a removed user's keys end with it).
async function users(box, refresh) {
  const list = (await api("GET", "/api/v1/users")).users;
  const name = el("input", { id: "new-user", required: true,
    pattern: "[A-Za-z0-9._-]+", maxlength: "63" });
  const role = el("select", { id: "new-user-role" },
    ["viewer", "operator", "admin"].map((r) => el("option", { value: r }, r)));
  const shown = el("div", {});
  const form = el("form", { class: "row", "aria-label": "Add a user" },
    el("label", { for: "new-user" }, "Name"), name,
    el("label", { for: "new-user-role" }, "Role"), role,
    el("button", { type: "submit" }, "Add user"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const u = await api("POST", "/api/v1/users",
        { name: name.value, role: role.value });
      await users(box, refresh);
      refresh("keys");
      box.append(secretBox(`Password of ${u.name} (${u.role})`, u.password));
    } catch (e) { notice(`Add user: ${e.message}`); }
  });
  box.replaceChildren(el("table", { "aria-label": "Users" },
    el("thead", {}, el("tr", {}, ["Name", "Role", "Created", ""].map((t) =>
      el("th", {}, t)))),
    el("tbody", {}, list.map((u) => el("tr", {},
      el("td", {}, u.name), el("td", {}, u.role),
      el("td", {}, when(u.created)),
      el("td", {}, u.name === session.user ? "(you)" : el("button", {
        type: "button", class: "danger", "aria-label": `Remove user ${u.name}`,
        onclick: async () => {
          if (!confirm(`Remove user ${u.name}?`)) return;
          try {
            await api("DELETE", `/api/v1/users/${encodeURIComponent(u.name)}`);
          } catch (e) { notice(`Remove user: ${e.message}`); }
          users(box, refresh);
          refresh("keys");
        } }, "Remove")))))),
  form, shown);
}

async function keys(box) {
  const list = (await api("GET", "/api/v1/keys")).keys;
  const owners = (await api("GET", "/api/v1/users")).users;
  const owner = el("select", { id: "key-user" }, owners.map((u) =>
    el("option", { value: u.name, selected: u.name === session.user },
      `${u.name} (${u.role})`)));
  const role = el("select", { id: "key-role" },
    el("option", { value: "" }, "the owner's role"),
    ["viewer", "operator", "admin"].map((r) => el("option", { value: r }, r)));
  const form = el("form", { class: "row", "aria-label": "Create an API key" },
    el("label", { for: "key-user" }, "Owner"), owner,
    el("label", { for: "key-role" }, "Role"), role,
    el("button", { type: "submit" }, "Create API key"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { user: owner.value };
    if (role.value) body.role = role.value;
    try {
      const k = await api("POST", "/api/v1/keys", body);
      await keys(box);
      box.append(secretBox(`API key ${k.id} of ${k.user} (${k.role})`, k.key));
    } catch (e) { notice(`Create API key: ${e.message}`); }
  });
  box.replaceChildren(el("table", { "aria-label": "API keys" },
    el("thead", {}, el("tr", {}, ["Id", "Owner", "Role", "Created", "State",
      ""].map((t) => el("th", {}, t)))),
    el("tbody", {}, list.length ? null : el("tr", {}, el("td",
      { colspan: "6", class: "muted" }, "No API keys yet.")),
    list.map((k) => el("tr", {},
      el("td", {}, String(k.id)), el("td", {}, k.user || "—"),
      el("td", {}, k.role || (k.user ? "the owner's" : "—")),
      el("td", {}, when(k.created)),
      el("td", {}, k.revoked ? "revoked" : "active"),
      el("td", {}, k.revoked ? "" : el("button", { type: "button",
        class: "danger", "aria-label": `Revoke API key ${k.id}`,
        onclick: async () => {
          try { await api("DELETE", `/api/v1/keys/${k.id}`); } catch (e) {
            notice(`Revoke API key: ${e.message}`);
          }
          keys(box);
        } }, "Revoke")))))),
  form);
}

async function machines(box) {
  const list = (await api("GET", "/api/v1/machines")).machines;
  const serial = el("input", { id: "new-serial", required: true,
    pattern: "[Ss]?[0-9]{1,18}", placeholder: "10000042" });
  const form = el("form", { class: "row", "aria-label": "Add a machine" },
    el("label", { for: "new-serial" }, "Serial"), serial,
    el("button", { type: "submit" }, "Add machine"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const m = await api("POST", "/api/v1/machines", { serial: serial.value });
      await machines(box);
      box.append(secretBox(`Password of machine ${m.serial} ` +
        "(set it as the machine's GFMACHINE_PASSWORD)", m.password));
    } catch (e) { notice(`Add machine: ${e.message}`); }
  });
  box.replaceChildren(el("table", { "aria-label": "Machines" },
    el("thead", {}, el("tr", {}, ["Serial", "Online", "Last seen", "Added",
      ""].map((t) => el("th", {}, t)))),
    el("tbody", {}, list.map((m) => el("tr", {},
      el("td", {}, el("a", { href: `#/machine/${m.serial}` }, m.serial)),
      el("td", {}, m.online ? "online" : "offline"),
      el("td", {}, when(m.last_seen)), el("td", {}, when(m.created)),
      el("td", {}, el("button", { type: "button", class: "danger",
        "aria-label": `Remove machine ${m.serial}`,
        onclick: async () => {
          if (!confirm(`Remove machine ${m.serial}? Its tokens stop working.`))
            return;
          try { await api("DELETE", `/api/v1/machines/${m.serial}`); } catch (e) {
            notice(`Remove machine: ${e.message}`);
          }
          machines(box);
        } }, "Remove")))))),
  form);
}

export async function render(main) {
  const sections = [["Machines", machines], ["Users", users],
    ["API keys", keys]];
  const boxes = {};
  const refresh = (name) => {
    const [title, fill] = sections.find(([, f]) => f.name === name);
    return fill(boxes[name], refresh).catch((e) => {
      boxes[name].replaceChildren(el("p", { class: "error" },
        `Cannot load ${title.toLowerCase()}: ${e.message}`));
    });
  };
  main.append(el("h1", {}, "Admin"));
  for (const [title, fill] of sections) {
    const box = el("div", {}, el("p", { class: "muted" }, "Loading…"));
    boxes[fill.name] = box;
    main.append(el("section", { class: "card", "aria-label": title },
      el("h2", {}, title), box));
    refresh(fill.name);
  }
}
