// The page of `icare-fix serve`: sends the chosen workbooks to the program on this computer,
// shows what iCARE said about each, and offers the outputs to download. No outside resource,
// no storage: the results live in this tab only.
"use strict";

const TOKEN = document.querySelector('meta[name="icare-token"]').content;
const MAX_BYTES = 200 * 1024 * 1024;

const TEXT = {
  en: {
    title: "icare-fix: iCARE rejected files",
    language: "Language",
    quit: "Quit",
    private: "Everything stays on this computer: the files are read here and nothing is sent elsewhere.",
    chooseTitle: "1. The rejected files iCARE sent you",
    chooseLabel: "Choose one or more rejected files (.xlsx)",
    dropHint: "or drop them in this box.",
    backTitle: "2. The way back: after correcting in Excel",
    backHelp: "Correct the highlighted cells of NAME.annotated.xlsx in Excel and save it. Then choose it here together with the rejected file it was made from: you get NAME.upload.xlsx with your corrections, ready to upload.",
    backLabel: "Choose the corrected annotated workbook and its rejected file",
    backHint: "On this page, choose the annotated workbook together with the rejected file it was made from (both at once).",
    working: (n) => `Reading ${n} file${n === 1 ? "" : "s"}…`,
    ready: (n) => `Results ready for ${n} file${n === 1 ? "" : "s"}.`,
    tooLarge: "is larger than 200 MB, the most icare-fix reads: iCARE's rejected files are far smaller. Check that you chose the right file.",
    stopped: "icare-fix has stopped. You can close this page.",
    notReached: "The program does not answer: it may have stopped. Start icare-fix again.",
    status: { done: "done", ready: "ready to upload", to_fix: "still to fix", unchanged: "nothing corrected", checked: "checked before upload", skipped: "not read", failed: "refused" },
    nowTitle: "What to do now",
    now: (annotated, rejected) => [
      `Download the annotated workbook, ${annotated} (the button below).`,
      "Open it in Excel, correct the highlighted cells and save it.",
      `Come back to this page and choose it in box 2 together with the rejected file, ${rejected}: you get the upload file with your corrections.`,
    ],
    uploadRaw: (n) => `Upload file: ${n} (not corrected yet: holds the records as rejected)`,
    uploadReady: (n) => `Upload file, ready to upload: ${n}`,
    uploadNotReady: (n) => `Upload file: ${n} (not ready to upload: see the verdict above)`,
    nextReady: (n) => `Next: upload ${n} to iCARE, clients rejected for identity first.`,
    nextToFix: (w) => `Next: correct what is still to fix in ${w} (below), save it and choose it here again together with the rejected file. A record that cannot be corrected now can be deleted from the annotated workbook: it is then left out of the upload file.`,
    nextUnchanged: (w) => `Next: open ${w} in Excel, correct the highlighted cells and save it (Ctrl+S), then choose it here again together with the rejected file. If you saved your corrections under another name, choose that file instead.`,
    correctionsFrom: (n) => `Corrections read from ${n}.`,
    changesTitle: "Cells changed",
    noChanges: "No cell was changed in the annotated workbook.",
    cell: "Cell", field: "Field", before: "Before", after: "After", empty: "(empty)", endsWithSpace: "(ends with a space)",
    leftOutTitle: "Records left out of the upload file",
    leftOut: (row, cleared) => `Row ${row} of the rejected file: ${cleared ? "every value of its record was deleted" : "its record was deleted"} in the annotated workbook.`,
    warningsTitle: "To check",
    check: (line) => `Check: ${line}`,
    named: (name, reason) => `${name}: ${reason}`,
    originalTitle: (n) => `What iCARE said in the rejected file (${n} notes)`,
    template: "Template", rows: "Rows", notes: "Notes",
    downloads: "Downloads",
    upload: (n) => `Upload file: ${n}`,
    annotated: (n) => `Annotated workbook to correct: ${n}`,
    checklist: (n) => `Checklist: ${n}`,
    summary: (n) => `Summary workbook: ${n}`,
    "summary-checklist": (n) => `Checklist of all files: ${n}`,
    print: "Print the checklist",
    printAll: "Print the checklist of all files",
    summaryTitle: "All the files of this choice",
    identityTitle: "Clients rejected for identity: fix them first",
    idType: "Identifier type", idValue: "Identifier", birth: "Date of birth", rowsOf: "Rows",
    problemsTitle: "Every problem",
    filter: "Show",
    allKinds: "every kind",
    row: "Row", kind: "Kind", cells: "Cells", fields: "Fields", message: "Message",
    sortUp: "Row, ascending: press to sort descending",
    sortDown: "Row, descending: press to sort ascending",
    records: (k, t) => `${k} of the ${t} records are in the upload file.`,
    noProblems: "No problem of this kind.",
    kinds: { identity: "Client not validated", missing: "Missing value", invalid: "Invalid value", date: "Date problem", reference: "Wrong reference", other: "Other problem" },
  },
  fr: {
    title: "icare-fix : fichiers rejetés par iCARE",
    language: "Langue",
    quit: "Quitter",
    private: "Tout reste sur cet ordinateur : les fichiers sont lus ici et rien n'est envoyé ailleurs.",
    chooseTitle: "1. Les fichiers rejetés envoyés par iCARE",
    chooseLabel: "Choisissez un ou plusieurs fichiers rejetés (.xlsx)",
    dropHint: "ou déposez-les dans ce cadre.",
    backTitle: "2. Le retour : après correction dans Excel",
    backHelp: "Corrigez dans Excel les cellules surlignées de NOM.annotated.xlsx et enregistrez. Choisissez-le ensuite ici avec le fichier rejeté dont il vient : vous obtenez NOM.upload.xlsx avec vos corrections, prêt à téléverser.",
    backLabel: "Choisissez le classeur annoté corrigé et son fichier rejeté",
    backHint: "Sur cette page, choisissez le classeur annoté avec le fichier rejeté dont il vient (les deux à la fois).",
    working: (n) => `Lecture de ${n} fichier${n === 1 ? "" : "s"}…`,
    ready: (n) => `Résultats prêts pour ${n} fichier${n === 1 ? "" : "s"}.`,
    tooLarge: "dépasse 200 Mo, le maximum que lit icare-fix : les fichiers rejetés d'iCARE sont bien plus petits. Vérifiez que vous avez choisi le bon fichier.",
    stopped: "icare-fix est arrêté. Vous pouvez fermer cette page.",
    notReached: "Le programme ne répond pas : il s'est peut-être arrêté. Relancez icare-fix.",
    status: { done: "terminé", ready: "prêt à téléverser", to_fix: "encore à corriger", unchanged: "rien de corrigé", checked: "vérifié avant le téléversement", skipped: "non lu", failed: "refusé" },
    nowTitle: "Que faire maintenant",
    now: (annotated, rejected) => [
      `Téléchargez le classeur annoté, ${annotated} (le bouton ci-dessous).`,
      "Ouvrez-le dans Excel, corrigez les cellules surlignées et enregistrez.",
      `Revenez sur cette page et choisissez-le dans le cadre 2 avec le fichier rejeté, ${rejected} : vous obtenez le fichier à téléverser avec vos corrections.`,
    ],
    uploadRaw: (n) => `Fichier à téléverser : ${n} (pas encore corrigé : contient les enregistrements tels qu'ils ont été rejetés)`,
    uploadReady: (n) => `Fichier à téléverser, prêt : ${n}`,
    uploadNotReady: (n) => `Fichier à téléverser : ${n} (pas prêt à téléverser : voir le verdict ci-dessus)`,
    nextReady: (n) => `Ensuite : téléversez ${n} dans iCARE, en commençant par les clients rejetés pour leur identité.`,
    nextToFix: (w) => `Ensuite : corrigez ce qui reste à corriger dans ${w} (ci-dessous), enregistrez et choisissez-le de nouveau ici avec le fichier rejeté. Un enregistrement qui ne peut pas être corrigé maintenant peut être supprimé du classeur annoté : il est alors laissé de côté dans le fichier à téléverser.`,
    nextUnchanged: (w) => `Ensuite : ouvrez ${w} dans Excel, corrigez les cellules surlignées et enregistrez (Ctrl+S), puis choisissez-le de nouveau ici avec le fichier rejeté. Si vous avez enregistré vos corrections sous un autre nom, choisissez plutôt ce fichier.`,
    correctionsFrom: (n) => `Corrections lues dans ${n}.`,
    changesTitle: "Cellules modifiées",
    noChanges: "Aucune cellule n'a été modifiée dans le classeur annoté.",
    cell: "Cellule", field: "Champ", before: "Avant", after: "Après", empty: "(vide)", endsWithSpace: "(se termine par une espace)",
    leftOutTitle: "Enregistrements laissés de côté dans le fichier à téléverser",
    leftOut: (row, cleared) => `Ligne ${row} du fichier rejeté : ${cleared ? "toutes les valeurs de son enregistrement ont été supprimées" : "son enregistrement a été supprimé"} dans le classeur annoté.`,
    warningsTitle: "À vérifier",
    check: (line) => `À vérifier : ${line}`,
    named: (name, reason) => `${name} : ${reason}`,
    originalTitle: (n) => `Ce qu'iCARE a dit dans le fichier rejeté (${n} notes)`,
    template: "Modèle", rows: "Lignes", notes: "Notes",
    downloads: "Téléchargements",
    upload: (n) => `Fichier à téléverser : ${n}`,
    annotated: (n) => `Classeur annoté à corriger : ${n}`,
    checklist: (n) => `Liste de contrôle : ${n}`,
    summary: (n) => `Classeur récapitulatif : ${n}`,
    "summary-checklist": (n) => `Liste de contrôle de tous les fichiers : ${n}`,
    print: "Imprimer la liste de contrôle",
    printAll: "Imprimer la liste de contrôle de tous les fichiers",
    summaryTitle: "Tous les fichiers de ce choix",
    identityTitle: "Clients rejetés pour leur identité : à corriger d'abord",
    idType: "Type d'identifiant", idValue: "Identifiant", birth: "Date de naissance", rowsOf: "Lignes",
    problemsTitle: "Tous les problèmes",
    filter: "Afficher",
    allKinds: "tous les types",
    row: "Ligne", kind: "Type", cells: "Cellules", fields: "Champs", message: "Message",
    sortUp: "Ligne, croissant : appuyez pour trier en ordre décroissant",
    sortDown: "Ligne, décroissant : appuyez pour trier en ordre croissant",
    records: (k, t) => `${k} des ${t} enregistrements sont dans le fichier à téléverser.`,
    noProblems: "Aucun problème de ce type.",
    kinds: { identity: "Client non validé", missing: "Valeur manquante", invalid: "Valeur non valide", date: "Problème de date", reference: "Référence erronée", other: "Autre problème" },
  },
};

let lang = (navigator.languages || [navigator.language || "en"])
  .map((l) => String(l).slice(0, 2).toLowerCase())
  .find((l) => l === "fr" || l === "en") || "en";
const runs = []; // the answer (or refusal) to the latest choice of files, re-rendered on a language switch
const t = () => TEXT[lang];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

let said = null; // the status line's words, by a function of the language, said again on a switch

function say(words) {
  said = words;
  document.getElementById("status").textContent = words ? words() : "";
}

function translateStatic() {
  document.documentElement.lang = lang;
  document.getElementById("lang").value = lang;
  for (const node of document.querySelectorAll("[data-t]")) {
    const value = t()[node.dataset.t];
    if (typeof value === "string") node.textContent = value;
  }
}

// Turns a download of the answer into a blob address, once.
function blobUrl(d) {
  if (!d.url) {
    const bytes = Uint8Array.from(atob(d.data), (c) => c.charCodeAt(0));
    d.url = URL.createObjectURL(new Blob([bytes], { type: d.mime }));
  }
  return d.url;
}

function printChecklist(d) {
  const win = window.open(blobUrl(d), "_blank");
  if (win) win.addEventListener("load", () => win.print());
}

// The upload file's label says how far it can be trusted: as rejected (no corrections yet),
// ready, or not ready.
function uploadLabel(status) {
  if (status === "done") return t().uploadRaw;
  if (status === "ready") return t().uploadReady;
  if (status === "to_fix" || status === "unchanged") return t().uploadNotReady;
  return t().upload;
}

function downloadLinks(downloads, printLabel, status) {
  const box = el("div", { class: "downloads" });
  // In the loop's order: the workbook to correct first, the upload file last.
  const order = ["annotated", "checklist", "upload"];
  const rank = (d) => (order.includes(d.kind) ? order.indexOf(d.kind) : order.length);
  for (const d of downloads.slice().sort((a, b) => rank(a) - rank(b))) {
    const label = (d.kind === "upload" ? uploadLabel(status) : t()[d.kind] || ((n) => n))(d.name);
    box.append(el("a", { class: "button", href: blobUrl(d), download: d.name, "data-kind": d.kind }, label));
    if (d.kind.endsWith("checklist")) {
      box.append(el("button", { type: "button", onclick: () => printChecklist(d) }, printLabel));
    }
  }
  return box;
}

function identityTable(file) {
  if (!file.identity.length) return null;
  return el("div", { class: "identity" },
    el("h4", {}, t().identityTitle),
    el("table", {},
      el("thead", {}, el("tr", {}, [t().idType, t().idValue, t().birth, t().rowsOf].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, file.identity.map((c) => el("tr", {},
        el("td", {}, c.id_type), el("td", {}, c.id_value), el("td", {}, c.birth_date), el("td", {}, c.rows.join(", ")))))));
}

function problemRows(file, view) {
  const rows = file.problems
    .filter((p) => view.kind === "" || p.category === view.kind)
    .sort((a, b) => (view.descending ? b.row - a.row : a.row - b.row));
  if (!rows.length) return [el("tr", {}, el("td", { colspan: 5 }, t().noProblems))];
  return rows.map((p) => el("tr", { "data-category": p.category },
    el("td", {}, p.row),
    el("td", {}, t().kinds[p.category] || p.category),
    el("td", {}, p.cells.join(", ")),
    el("td", {}, (lang === "fr" ? p.labels_fr : p.labels_en).join(", ")),
    el("td", {}, lang === "fr" ? p.message_fr || p.message_en : p.message_en || p.message_fr)));
}

function problemsTable(file, index) {
  if (!file.problems.length) return null;
  const view = file.view || (file.view = { kind: "", descending: false });
  const tbody = el("tbody", {}, problemRows(file, view));
  const kinds = [...new Set(file.problems.map((p) => p.category))];
  const filterId = `filter-${index}`;
  const select = el("select", { id: filterId, onchange: (e) => { view.kind = e.target.value; tbody.replaceChildren(...problemRows(file, view)); } },
    el("option", { value: "" }, t().allKinds),
    kinds.map((k) => el("option", { value: k, selected: view.kind === k }, t().kinds[k] || k)));
  const sort = el("button", { type: "button", class: "link", "aria-label": view.descending ? t().sortDown : t().sortUp,
    onclick: () => {
      view.descending = !view.descending;
      sort.textContent = `${t().row} ${view.descending ? "▼" : "▲"}`;
      sort.setAttribute("aria-label", view.descending ? t().sortDown : t().sortUp);
      sort.closest("th").setAttribute("aria-sort", view.descending ? "descending" : "ascending");
      tbody.replaceChildren(...problemRows(file, view));
    } }, `${t().row} ${view.descending ? "▼" : "▲"}`);
  return el("div", { class: "problems" },
    el("h4", {}, t().problemsTitle),
    el("div", { class: "controls" }, el("label", { for: filterId }, t().filter), select),
    el("table", {},
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", "aria-sort": view.descending ? "descending" : "ascending" }, sort),
        [t().kind, t().cells, t().fields, t().message].map((h) => el("th", { scope: "col" }, h)))),
      tbody));
}

// After a rejected file: the loop's next steps, in order.
function nextSteps(file) {
  if (file.status !== "done") return null;
  const annotated = file.downloads.find((d) => d.kind === "annotated");
  if (!annotated) return null;
  return el("div", { class: "next" },
    el("h4", {}, t().nowTitle),
    el("ol", {}, t().now(annotated.name, file.name).map((step) => el("li", {}, step))));
}

// The program's own text in the page's language: its French where it has one.
function inLang(en, fr) {
  return lang === "fr" && fr ? fr : en;
}

function shown(value) {
  return value === "" ? t().empty : value;
}

// The way back's verdict and what to do next.
function verdict(file) {
  const w = file.way_back;
  if (!w) return null;
  const upload = (file.downloads.find((d) => d.kind === "upload") || {}).name || "";
  const workbook = file.corrections_from || "";
  const next = { ready: t().nextReady(upload), to_fix: t().nextToFix(workbook), unchanged: t().nextUnchanged(workbook) }[w.readiness];
  return el("div", { class: "way-back" },
    workbook ? el("p", {}, t().correctionsFrom(workbook)) : null,
    el("div", { class: `verdict ${w.readiness}`, "data-readiness": w.readiness },
      (lang === "fr" ? w.lines_fr : w.lines_en).map((line) => el("p", {}, line))),
    el("p", { class: "next-step" }, next));
}

// The way back's details: each change, the records left out, what to check.
function wayBack(file) {
  const w = file.way_back;
  if (!w) return null;
  return el("div", { class: "way-back" },
    el("h4", {}, t().changesTitle),
    w.changes.length
      ? el("table", { class: "changes" },
        el("thead", {}, el("tr", {}, [t().cell, t().field, t().before, t().after].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, w.changes.map((c) => el("tr", {},
          el("td", {}, c.cell), el("td", {}, lang === "fr" ? c.label_fr : c.label), el("td", {}, shown(c.before)),
          el("td", {}, shown(c.after), c.ends_with_space ? ` ${t().endsWithSpace}` : "")))))
      : el("p", {}, t().noChanges),
    w.left_out.length ? [el("h4", {}, t().leftOutTitle),
      el("ul", { class: "left-out" }, w.left_out.map((r) => el("li", {}, t().leftOut(r.row, r.cleared))))] : null,
    w.warnings.length ? [el("h4", {}, t().warningsTitle),
      el("ul", { class: "warnings" }, inLang(w.warnings, w.warnings_fr).map((line) => el("li", {}, t().check(line))))] : null);
}

function templateName(file) {
  const name = file.template_name;
  if (!name) return file.template;
  return lang === "fr" ? name.fr : name.en;
}

function fileCard(file, index) {
  const kinds = Object.entries(file.categories || {})
    .map(([k, n]) => `${t().kinds[k] || k}: ${n}`).join(" · ");
  const handled = ["done", "ready", "to_fix", "unchanged"].includes(file.status);
  const problems = problemsTable(file, index);
  return el("article", { class: "file", "data-status": file.status, "aria-labelledby": `file-${index}` },
    el("h3", { id: `file-${index}` }, file.name, el("span", { class: `badge ${file.status}` }, t().status[file.status] || file.status)),
    // As the command line's line for the file: "NAME: reason".
    file.reason ? el("p", { class: "refused" }, t().named(file.name, inLang(file.reason, file.reason_fr))) : null,
    file.status === "failed" && /\.annotated\.xls[xm]$/i.test(file.name) ? el("p", {}, t().backHint) : null,
    handled && file.template ? el("ul", { class: "facts" },
      el("li", {}, `${t().template}: ${templateName(file)}`),
      el("li", {}, `${t().rows}: ${file.rows}`),
      el("li", {}, `${t().notes}: ${file.notes}`),
      kinds ? el("li", {}, kinds) : null) : null,
    verdict(file),
    file.records && !file.way_back ? el("p", {}, t().records(file.records[0], file.records[1])) : null,
    nextSteps(file),
    file.downloads.length ? downloadLinks(file.downloads, t().print, file.status) : null,
    wayBack(file),
    identityTable(file),
    // After a way back, iCARE's notes are the rejected file's, not the upload file's.
    file.way_back && problems
      ? el("details", { class: "original" }, el("summary", {}, t().originalTitle(file.problems.length)), problems)
      : problems);
}

function render() {
  translateStatic();
  say(said);
  const results = document.getElementById("results");
  results.replaceChildren();
  let index = 0;
  for (const run of runs.slice().reverse()) {
    const group = el("section", { class: "run", "aria-label": t().summaryTitle });
    if (run.refused) group.append(el("p", { class: "refused", role: "alert" }, inLang(run.refused.en, run.refused.fr)));
    for (const file of run.files || []) group.append(fileCard(file, index++));
    if (run.summary && run.summary.length) {
      group.append(el("div", { class: "summary" }, el("h3", {}, t().summaryTitle), downloadLinks(run.summary, t().printAll, "")));
    }
    results.append(group);
  }
}

async function send(fileList) {
  const files = [...fileList];
  if (!files.length) return;
  const tooBig = files.filter((f) => f.size > MAX_BYTES);
  const fine = files.filter((f) => f.size <= MAX_BYTES);
  // A new choice replaces the cards of the earlier one.
  runs.length = 0;
  const run = { files: tooBig.map((f) => ({ name: f.name, status: "failed", reason: TEXT.en.tooLarge, reason_fr: TEXT.fr.tooLarge, categories: {}, identity: [], problems: [], downloads: [] })), summary: [] };
  runs.push(run);
  render();
  if (fine.length) {
    say(() => t().working(fine.length));
    const form = new FormData();
    for (const f of fine) form.append("files", f, f.name);
    try {
      const response = await fetch(`/api/process?token=${encodeURIComponent(TOKEN)}`, { method: "POST", body: form });
      if (response.ok) {
        const answer = await response.json();
        run.files.push(...answer.files);
        run.summary = answer.summary;
      } else {
        // The program's refusal, in English and French; plain text from anything else.
        const text = await response.text();
        try {
          run.refused = JSON.parse(text);
        } catch (e) {
          run.refused = { en: text };
        }
      }
    } catch (e) {
      run.refused = { en: TEXT.en.notReached, fr: TEXT.fr.notReached };
    }
  }
  render();
  say(() => t().ready(files.length));
}

function dropZone(zoneId, inputId) {
  const zone = document.getElementById(zoneId);
  const input = document.getElementById(inputId);
  input.addEventListener("change", () => { send(input.files); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    send(e.dataTransfer.files);
  });
}

async function quit() {
  try {
    await fetch(`/api/quit?token=${encodeURIComponent(TOKEN)}`, { method: "POST" });
  } catch (e) {
    // Stopped already: say so all the same.
  }
  for (const c of document.querySelectorAll("input, button, select")) c.disabled = true;
  say(() => t().stopped);
}

document.addEventListener("DOMContentLoaded", () => {
  dropZone("drop-rejected", "files");
  dropZone("drop-back", "back-files");
  // A file dropped beside a box must not make the browser open it (and leave the page).
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  document.getElementById("lang").addEventListener("change", (e) => { lang = e.target.value; render(); });
  document.getElementById("quit").addEventListener("click", quit);
  render();
});
