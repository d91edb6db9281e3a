//! The library's error messages in French, one function per variant (the parent's
//! `Error::message_in` matches every variant to its function; this module knows no `Error`,
//! so the two do not import each other). Each says what the English one says: what happened
//! and what to do, in the words the rest of icare-fix uses in French (« modèle »,
//! « téléverser », « classeur annoté »), names between « », a space before a colon.
//!
//! The variants' own texts (`detail`, `hint`, `what`, `reason`, ...) are written in English
//! where the error is made; [`known`] gives each known one in French. One it does not know is
//! left out of the French message when the message says enough without it (a damaged file is
//! damaged), and kept in English otherwise: the file's own words (names, cells) count more
//! than the language.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

/// A path as the French messages show it: `« C:\files\March.xlsx »`.
pub(crate) fn q(path: &Path) -> String {
    format!("« {} »", path.display())
}

const SAVE_AS: &str =
    "Ouvrez-le dans Excel et enregistrez-le comme classeur Excel (.xlsx), puis réessayez.";
const DOWNLOAD_AGAIN: &str = "Téléchargez de nouveau le fichier rejeté depuis iCARE.";
pub(super) const ODS: &str = "an OpenDocument spreadsheet (.ods)";

pub(super) fn not_found(path: &Path) -> String {
    format!(
        "impossible de trouver le fichier {}. Vérifiez le nom et le dossier.",
        q(path)
    )
}

pub(super) fn not_a_folder(path: &Path) -> String {
    format!(
        "{} n'est pas un dossier. Indiquez le dossier qui contient les fichiers rejetés.",
        q(path)
    )
}

pub(super) fn locked(path: &Path) -> String {
    format!(
        "impossible d'ouvrir {} : un autre programme l'a ouvert (Excel, le plus souvent), ou ce compte n'a pas le droit de l'ouvrir. Fermez-le dans Excel et réessayez.",
        q(path)
    )
}

pub(super) fn io(path: &Path) -> String {
    // The system's own words stay in the English message.
    format!(
        "impossible de lire ou d'écrire {}. Vérifiez que le fichier et son dossier sont accessibles et que le disque n'est pas plein, puis réessayez.",
        q(path)
    )
}

pub(super) fn encrypted(path: &Path) -> String {
    format!(
        "{} est protégé par un mot de passe. Ouvrez-le dans Excel, retirez le mot de passe (Fichier > Informations > Protéger le classeur), enregistrez-le et réessayez.",
        q(path)
    )
}

pub(super) fn old_excel(path: &Path) -> String {
    format!(
        "{} est un ancien classeur Excel 97-2003 (.xls). {SAVE_AS}",
        q(path)
    )
}

pub(super) fn excel_95(path: &Path) -> String {
    format!(
        "{} est au format Excel 5.0/95, plus ancien que tout fichier iCARE. {SAVE_AS}",
        q(path)
    )
}

pub(super) fn not_icare(path: &Path, detail: &str) -> String {
    let why = known(detail).map_or_else(String::new, |fr| format!(" : {fr}"));
    format!(
        "{} est une feuille de calcul, mais pas un fichier iCARE{why}. Utilisez le fichier rejeté téléchargé depuis iCARE.",
        q(path)
    )
}

pub(super) fn other_format(path: &Path, what: &str) -> String {
    match known(what) {
        Some(what) => format!(
            "{} est {what}, et non le classeur Excel (.xlsx) qu'envoie iCARE. {SAVE_AS}",
            q(path)
        ),
        None => format!(
            "{} n'est pas le classeur Excel (.xlsx) qu'envoie iCARE. {SAVE_AS}",
            q(path)
        ),
    }
}

pub(super) fn not_a_workbook(path: &Path, detail: &str) -> String {
    let why = known(detail).map_or_else(String::new, |fr| format!(" ({fr})"));
    format!(
        "{} n'est pas un classeur Excel{why}. Téléchargez de nouveau le fichier rejeté depuis iCARE, ou ouvrez-le dans Excel et enregistrez-le en .xlsx.",
        q(path)
    )
}

pub(super) fn damaged(path: &Path, detail: &str) -> String {
    let why = known(detail).map_or_else(String::new, |fr| format!(" ({fr})"));
    format!(
        "{} est endommagé ou incomplet{why}. {DOWNLOAD_AGAIN}",
        q(path)
    )
}

pub(super) fn too_large(path: &Path, detail: &str) -> String {
    let why = known(detail).map_or_else(String::new, |fr| format!(" : {fr}"));
    format!(
        "{} est trop volumineux pour être un fichier iCARE{why}. Il n'a pas été traité.",
        q(path)
    )
}

pub(super) fn xls_too_large(path: &Path, sheet: usize, cells: u64) -> String {
    format!(
        "{} est un ancien classeur Excel 97-2003 (.xls) dont la feuille {sheet} s'étend sur {cells} cellules, plus qu'icare-fix n'en lit d'un coup dans cet ancien format. Il n'a pas été traité. Ouvrez-le dans Excel, enregistrez-le comme classeur Excel (.xlsx) et réessayez : ce format se lit une cellule à la fois.",
        q(path)
    )
}

pub(super) fn unsafe_xml(path: &Path, part: &str) -> String {
    format!(
        "{} contient du XML qu'Excel n'écrit jamais (une déclaration DOCTYPE ou d'entité dans {part}), comme les fichiers conçus pour attaquer un lecteur. Il n'a pas été traité. S'il vient d'iCARE, téléchargez de nouveau le fichier rejeté ; sinon, ouvrez-le dans Excel, enregistrez-le comme classeur Excel (.xlsx) et réessayez.",
        q(path)
    )
}

pub(super) fn out_of_range(path: &Path, part: &str, reference: &str) -> String {
    format!(
        "{} contient une référence au-delà de la dernière ligne ou colonne d'Excel ({reference} dans {part}) : le fichier est endommagé. {DOWNLOAD_AGAIN}",
        q(path)
    )
}

pub(super) fn no_codes_row(path: &Path, hint: &str) -> String {
    format!(
        "{} ne ressemble pas à un modèle iCARE : aucune feuille visible n'a la ligne masquée des codes de champ d'iCARE (comme client_validation_type_id). {}",
        q(path),
        in_french(hint)
    )
}

pub(super) fn no_sheets(path: &Path) -> String {
    format!(
        "{} n'a aucune feuille : il est endommagé ou n'a pas été enregistré par Excel. {DOWNLOAD_AGAIN}",
        q(path)
    )
}

pub(super) fn output_folder(path: &Path, reason: &str) -> String {
    format!(
        "impossible d'écrire dans le dossier {} : {}. Choisissez un autre dossier pour le résultat, ou vérifiez que vous pouvez y enregistrer des fichiers.",
        q(path),
        in_french(reason)
    )
}

pub(super) fn not_rejected(path: &Path) -> String {
    format!(
        "{} ne contient aucune note d'erreur d'iCARE : il semble être un fichier de téléversement d'origine, et non un fichier rejeté ; le téléverser de nouveau créerait des doublons. Utilisez --force si vous en êtes sûr.",
        q(path)
    )
}

pub(super) fn output_exists(path: &Path) -> String {
    format!(
        "{} existe déjà. Utilisez --force pour le remplacer, ou -o pour choisir un autre nom.",
        q(path)
    )
}

pub(super) fn output_changed(path: &Path) -> String {
    format!(
        "{} existe déjà et a été modifié après qu'icare-fix l'a écrit (ou n'a pas été écrit par icare-fix) ; il n'a donc pas été remplacé. S'il contient des modifications que vous voulez garder, renommez-le d'abord ; --force en garde une copie dans un fichier .bak et écrit le nouveau.",
        q(path)
    )
}

pub(super) fn mistyped(word: &str, command: &str) -> String {
    format!(
        "« {word} » n'est ni un fichier ni une commande. Vouliez-vous dire : icare-fix {command} ... ? (icare-fix --help énumère les commandes.)"
    )
}

pub(super) fn output_is_input(path: &Path) -> String {
    format!(
        "le résultat {} est le fichier d'entrée lui-même ; icare-fix ne modifie jamais un fichier d'entrée. Choisissez un autre nom avec -o.",
        q(path)
    )
}

pub(super) fn original_missing(
    annotated: &Path,
    name: &str,
    looked: &str,
    changed: &str,
) -> String {
    static FOLDER: LazyLock<Regex> = LazyLock::new(|| re(r"the folder '([^']*)'"));
    static NAMED: LazyLock<Regex> = LazyLock::new(|| re(r"'([^']*)'"));
    static CHANGED: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r" '([^']*)' is there, but it is not the file it was made from \(its content changed since\)\.",
        )
    });
    let looked = FOLDER.replace_all(looked, "le dossier « $1 »");
    let looked = NAMED.replace_all(&looked, "« $1 »");
    let changed: String = CHANGED
        .captures_iter(changed)
        .map(|c| {
            format!(
                " « {} » s'y trouve, mais ce n'est pas le fichier dont il a été tiré (son contenu a changé depuis).",
                &c[1]
            )
        })
        .collect();
    format!(
        "impossible de trouver « {name} », le fichier rejeté dont {} a été tiré. Cherché dans {looked}.{changed} Remettez le fichier rejeté, exactement tel que téléchargé depuis iCARE, dans le dossier du classeur annoté ou dans le dossier au-dessus, ou indiquez-le avec --original.",
        q(annotated)
    )
}

pub(super) fn annotated_mismatch(path: &Path, detail: &str) -> String {
    format!(
        "impossible de créer le fichier à téléverser à partir de {} : {}. Rien n'a été écrit.",
        q(path),
        in_french(detail)
    )
}

pub(super) fn annotated_of_another(
    path: &Path,
    made_from: &str,
    stem: &str,
    expected: &str,
) -> String {
    format!(
        "{} est le classeur annoté de « {made_from} », et non de « {expected} » : le classeur annoté d'un autre fichier rejeté a été enregistré sous ce nom. Ses corrections appartiennent à « {made_from} », donc rien n'a été écrit. Redonnez-le sous son propre nom ({stem}.annotated.xlsx) ; pour « {expected} », utilisez son propre classeur annoté (icare-fix lancé sur « {expected} » en écrit un nouveau s'il n'en reste aucun).",
        q(path)
    )
}

pub(super) fn annotated_not_upload(path: &Path) -> String {
    format!(
        "{} est un classeur annoté écrit par icare-fix, et non un fichier à téléverser : ne le téléversez jamais. Redonnez-le plutôt (icare-fix \"{}\", ou déposez-le sur icare-fix) : cela écrit le fichier à téléverser avec vos corrections, et le vérifie.",
        q(path),
        path.display()
    )
}

pub(super) fn user_work(path: &Path, reason: &str, next: &str) -> String {
    format!(
        "{} {} : icare-fix ne le remplace jamais, même avec --force. {}",
        q(path),
        in_french(reason),
        in_french(next)
    )
}

pub(super) fn original_changed(annotated: &Path, original: &Path) -> String {
    format!(
        "{} n'est pas le fichier dont {} a été tiré (son contenu a changé depuis). Utilisez le fichier rejeté exactement tel que téléchargé depuis iCARE, ou annotez-le de nouveau.",
        q(original),
        q(annotated)
    )
}

pub(super) fn serve_start(what: &str, source: &std::io::Error) -> String {
    format!(
        "la page n'a pas pu démarrer : {} ({source}). Fermez les autres copies d'icare-fix, ou choisissez un autre port avec --port, et réessayez.",
        in_french(what)
    )
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

/// The French of `text`, one of the variants' own texts, where it is known; else `text`.
pub(super) fn in_french(text: &str) -> String {
    known(text).unwrap_or_else(|| text.to_string())
}

/// The French of `text` (a `detail`, `hint`, `what` or `reason` made in English where the
/// error is made), when it is one of those icare-fix writes.
pub(crate) fn known(text: &str) -> Option<String> {
    let text = text.trim_end_matches('.');
    if let Some(fr) = FIXED.iter().find(|(en, _)| *en == text).map(|(_, fr)| fr) {
        return Some((*fr).to_string());
    }
    let (pattern, fr) = RULES.iter().find(|(pattern, _)| pattern.is_match(text))?;
    let parts = pattern.captures(text)?;
    // `$2` before `$1`'s text could hold a `$`.
    Some((1..parts.len()).rev().fold(fr.to_string(), |out, i| {
        let part = parts.get(i).map_or("", |m| m.as_str());
        out.replace(&format!("${i}"), &names(part))
    }))
}

/// Names as the French messages quote them: `'A' and 'B'` → `« A » et « B »`.
fn names(part: &str) -> String {
    static QUOTED: LazyLock<Regex> = LazyLock::new(|| re(r"'([^']*)'"));
    if part.starts_with('\'') {
        QUOTED
            .replace_all(part, "« $1 »")
            .replace("» and «", "» et «")
    } else {
        part.to_string()
    }
}

/// The texts without a variable part, and their French.
const FIXED: &[(&str, &str)] = &[
    // What a file is, when it is no workbook.
    ("it is a folder", "c'est un dossier"),
    (
        "it is not a regular file but a device or a pipe",
        "ce n'est pas un fichier ordinaire, mais un périphérique ou un tube",
    ),
    ("the file is empty", "le fichier est vide"),
    ("it is an empty zip archive", "c'est une archive zip vide"),
    (
        "it is a zip archive without the parts of a workbook",
        "c'est une archive zip sans les parties d'un classeur",
    ),
    ("it is a PDF document", "c'est un document PDF"),
    (
        "it is an XML or web page file",
        "c'est un fichier XML ou une page Web",
    ),
    (
        "it is a text file, perhaps a CSV export",
        "c'est un fichier texte, peut-être une exportation CSV",
    ),
    // How a file is damaged.
    (
        "the zip archive cannot be read",
        "l'archive zip ne peut pas être lue",
    ),
    (
        "the end of the file is missing: it was cut short",
        "la fin du fichier manque : il a été tronqué",
    ),
    (
        "part of it cannot be read",
        "une partie ne peut pas être lue",
    ),
    (
        "two parts of the package have the same name",
        "deux parties du classeur portent le même nom",
    ),
    (
        "a part does not unpack to what the file declares",
        "une partie ne se décompresse pas comme le fichier l'annonce",
    ),
    (
        "the container's header is cut short",
        "l'en-tête du conteneur est tronqué",
    ),
    (
        "the container's sector table loops",
        "la table des secteurs du conteneur boucle sur elle-même",
    ),
    (
        "the container's sector table is larger than the file",
        "la table des secteurs du conteneur est plus grande que le fichier",
    ),
    // Other formats.
    (
        "an Excel binary workbook (.xlsb)",
        "un classeur binaire Excel (.xlsb)",
    ),
    (ODS, "une feuille de calcul OpenDocument (.ods)"),
    (
        "a workbook whose parts are written in UTF-16, as Excel never writes them",
        "un classeur dont les parties sont écrites en UTF-16, ce qu'Excel ne fait jamais",
    ),
    (
        "a Strict Open XML Spreadsheet (an option of Excel's Save As)",
        "une feuille de calcul Open XML stricte (une option d'Excel sous Enregistrer sous)",
    ),
    (
        "an Excel 2.x-4.0 worksheet (.xls), a format from before 1995",
        "une feuille de calcul Excel 2.x-4.0 (.xls), un format d'avant 1995",
    ),
    (
        "it holds an Excel 4.0 macro sheet, which no iCARE template has",
        "il contient une feuille de macros Excel 4.0, ce qu'aucun modèle iCARE n'a",
    ),
    // Why no codes row was found.
    (
        "The template sheet is hidden: unhide it in Excel (right-click a sheet tab > Unhide), save and try again",
        "La feuille du modèle est masquée : affichez-la dans Excel (clic droit sur un onglet de feuille > Afficher), enregistrez et réessayez.",
    ),
    (
        "In fact every sheet of the workbook is hidden, which Excel never saves: download the rejected file from iCARE again",
        "En fait, toutes les feuilles du classeur sont masquées, ce qu'Excel n'enregistre jamais : téléchargez de nouveau le fichier rejeté depuis iCARE.",
    ),
    (
        "Make sure this is the rejected file downloaded from iCARE, with its three header rows (title, hidden codes, labels) intact",
        "Vérifiez qu'il s'agit bien du fichier rejeté téléchargé depuis iCARE, avec ses trois lignes d'en-tête (titre, codes masqués, étiquettes) intactes.",
    ),
    // Why a folder cannot be written in.
    (
        "you may not save files there",
        "vous n'avez pas le droit d'y enregistrer des fichiers",
    ),
    (
        "the folder or disk is read-only",
        "le dossier ou le disque est en lecture seule",
    ),
    ("the folder does not exist", "le dossier n'existe pas"),
    ("it is not a folder", "ce n'est pas un dossier"),
    ("the disk is full", "le disque est plein"),
    // Why the page could not start.
    (
        "the page's worker threads could not start",
        "les fils de traitement de la page n'ont pas pu démarrer",
    ),
    (
        "the temporary folder could not be made",
        "le dossier temporaire n'a pas pu être créé",
    ),
    ("the port is unknown", "le port est inconnu"),
    (
        "the page stopped unexpectedly",
        "la page s'est arrêtée de façon inattendue",
    ),
    (
        "no random numbers for the page's secret",
        "aucun nombre aléatoire pour le secret de la page",
    ),
    // An annotated workbook that was changed after icare-fix wrote it.
    (
        "was saved or changed after icare-fix wrote it and may hold your corrections",
        "a été enregistré ou modifié après qu'icare-fix l'a écrit, et peut contenir vos corrections",
    ),
    // The way back.
    (
        "icare-fix finds none of the rejected file's records in it. If you deleted them all on purpose, there is nothing to upload. If not (rows cut and pasted into another sheet or workbook, a sort or a filter that moved them), undo it (Ctrl+Z), save and try again: the records must stay in the template's sheet, under its headings",
        "icare-fix n'y trouve aucun des enregistrements du fichier rejeté. Si vous les avez tous supprimés exprès, il n'y a rien à téléverser. Sinon (lignes coupées et collées dans une autre feuille ou un autre classeur, tri ou filtre qui les a déplacées), annulez (Ctrl+Z), enregistrez et réessayez : les enregistrements doivent rester dans la feuille du modèle, sous ses en-têtes",
    ),
];

/// The texts with a variable part (a name, a number), and their French (`$1`, `$2`: the
/// parts kept).
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Damage.
        (r"^part (\d+) cannot be read$", "la partie $1 ne peut pas être lue"),
        (r"^part '(.*)' cannot be read$", "la partie « $1 » ne peut pas être lue"),
        (r"^part (\d+) has an unreadable name$", "le nom de la partie $1 est illisible"),
        (r"^part '([^']*)': .*$", "la partie « $1 » ne peut pas être lue"),
        (r"^its sheet '(.*)' cannot be read$", "sa feuille « $1 » ne peut pas être lue"),
        (r"^its part '([^']*)' ends inside an element$", "sa partie « $1 » s'arrête au milieu d'un élément"),
        (r"^its part '([^']*)' is not well-formed XML.*$", "sa partie « $1 » n'est pas du XML bien formé"),
        (
            r"^the workbook lists a sheet '(.*)' whose content is missing from the file$",
            "le classeur mentionne une feuille « $1 » dont le contenu manque dans le fichier",
        ),
        (r"^the container's sector size \(2\^(\d+)\) is invalid$", "la taille de secteur du conteneur (2^$1) n'est pas valide"),
        (r"^sector (\d+) lies past the end of the file$", "le secteur $1 est au-delà de la fin du fichier"),
        (r"^the chain of (.*) points past the end of the file$", "une chaîne du conteneur pointe au-delà de la fin du fichier"),
        (r"^the chain of (.*) loops$", "une chaîne du conteneur boucle sur elle-même"),
        // Sizes.
        (r"^the file is (\d+) MB, more than the (\d+) MB limit$", "le fichier fait $1 Mo, plus que la limite de $2 Mo"),
        (r"^its part '([^']*)' unpacks to more than (\d+) MB$", "sa partie « $1 » fait plus de $2 Mo une fois décompressée"),
        (r"^its part '([^']*)' unpacks to (\d+) MB$", "sa partie « $1 » fait $2 Mo une fois décompressée"),
        (r"^sheet '(.*)' has more than (\d+) cells$", "la feuille « $1 » a plus de $2 cellules"),
        (r"^the cells of sheet '(.*)' hold more than (\d+) MB of text$", "les cellules de la feuille « $1 » contiennent plus de $2 Mo de texte"),
        (r"^sheet '(.*)' holds more than (\d+) iCARE error notes$", "la feuille « $1 » contient plus de $2 notes d'erreur d'iCARE"),
        (
            r"^cell (\S+) of sheet '(.*)' holds (\d+) characters, more than Excel's limit of (\d+), so the file was not saved by Excel$",
            "la cellule $1 de la feuille « $2 » contient $3 caractères, plus que la limite de $4 d'Excel : le fichier n'a donc pas été enregistré par Excel",
        ),
        (
            r"^its annotated workbook would hold (\d+) cells \((\d+) data rows\), more than the (\d+) that fit the tool's memory budget of about 1 GB\. Split it in Excel into files of at most 2,500 rows \(as iCARE's templates hold\) and annotate each$",
            "son classeur annoté aurait $1 cellules ($2 lignes de données), plus que les $3 qui tiennent dans la mémoire prévue d'environ 1 Go. Divisez-le dans Excel en fichiers d'au plus 2 500 lignes (comme les modèles d'iCARE) et annotez chacun",
        ),
        // Other formats and sheets no iCARE file has.
        (r"^an Excel template \(\.(xlt[xm])\), not a rejected file$", "un modèle Excel (.$1), et non un fichier rejeté"),
        (r"^it holds a kind of sheet no iCARE template has \((.*)\)$", "il contient un type de feuille qu'aucun modèle iCARE n'a ($1)"),
        // Cells and rows.
        (
            r"^sheet '(.*)' has a cell past Excel's last row or column \(row (\d+), column (\d+)\); the file is damaged$",
            "la feuille « $1 » a une cellule au-delà de la dernière ligne ou colonne d'Excel (ligne $2, colonne $3) : le fichier est endommagé",
        ),
        (r"^row (\d+) is a header row of the template and cannot be left out$", "la ligne $1 est une ligne d'en-tête du modèle et ne peut pas être laissée de côté"),
        (r"^cell (\S+) is not in a data row; only data rows can be changed$", "la cellule $1 n'est pas dans une ligne de données ; seules les lignes de données peuvent être modifiées"),
        (
            r"^cell (\S+) holds an iCARE error note outside the notes column( \(\S+\))?\. Delete it in Excel \(or move it to the notes column\), save and try again$",
            "la cellule $1 contient une note d'erreur d'iCARE en dehors de la colonne des notes$2. Supprimez-la dans Excel (ou déplacez-la dans la colonne des notes), enregistrez et réessayez.",
        ),
        (r"^the annotated workbook could not be built: (.*)$", "le classeur annoté n'a pas pu être créé : $1"),
        (r"^the summary workbook could not be built: (.*)$", "le classeur récapitulatif n'a pas pu être créé : $1"),
        (r"^cannot start the worker threads: (.*)$", "impossible de démarrer les fils de traitement : $1"),
        // Why the page could not start.
        (r"^port (\d+) is not free$", "le port $1 n'est pas libre"),
        // What to do with an annotated workbook the user changed.
        (
            r#"^To make the upload file from it, run: icare-fix "(.*)"\. To start over, move it away first$"#,
            r#"Pour en faire le fichier à téléverser, lancez : icare-fix "$1". Pour recommencer, déplacez-le d'abord ailleurs."#,
        ),
        // The way back's refusals.
        (
            r"^in its sheet '(.*)', the rows above the records \(the title, the hidden row of field codes and the labels\) were moved among the records, as sorting the whole sheet does, so icare-fix cannot tell the records from the headings\. Undo the sort \(Ctrl\+Z\) or sort again selecting only the records \(from row (\d+) down\), save and try again$",
            "dans sa feuille « $1 », les lignes au-dessus des enregistrements (le titre, la ligne masquée des codes de champ et les étiquettes) ont été déplacées parmi les enregistrements, comme le fait un tri de toute la feuille : icare-fix ne peut donc plus distinguer les enregistrements des en-têtes. Annulez le tri (Ctrl+Z) ou triez de nouveau en ne sélectionnant que les enregistrements (à partir de la ligne $2), enregistrez et réessayez",
        ),
        (
            r"^cell (\S+) holds a formula whose result was not saved \(a program wrote the formula without calculating it\), so icare-fix cannot tell its value\. (.*)$",
            "la cellule $1 contient une formule dont le résultat n'a pas été enregistré (un programme a écrit la formule sans la calculer) : icare-fix ne peut donc pas connaître sa valeur. Ouvrez le classeur dans Excel et enregistrez-le (Excel calcule les formules), ou tapez les valeurs, puis réessayez",
        ),
        (
            r"^cells (.*?) and (\d+) more hold a formula whose result was not saved \(a program wrote the formula without calculating it\), so icare-fix cannot tell its value\. (.*)$",
            "les cellules $1 et $2 autres contiennent une formule dont le résultat n'a pas été enregistré (un programme a écrit la formule sans la calculer) : icare-fix ne peut donc pas connaître leur valeur. Ouvrez le classeur dans Excel et enregistrez-le (Excel calcule les formules), ou tapez les valeurs, puis réessayez",
        ),
        (
            r"^cells (.*?) hold a formula whose result was not saved \(a program wrote the formula without calculating it\), so icare-fix cannot tell its value\. (.*)$",
            "les cellules $1 contiennent une formule dont le résultat n'a pas été enregistré (un programme a écrit la formule sans la calculer) : icare-fix ne peut donc pas connaître leur valeur. Ouvrez le classeur dans Excel et enregistrez-le (Excel calcule les formules), ou tapez les valeurs, puis réessayez",
        ),
        (
            r"^columns (\S+) and (\S+) both have the field code '(.*)' \(a column was copied\?\)\. Delete the copy, save and try again$",
            "les colonnes $1 et $2 ont toutes deux le code de champ « $3 » (une colonne a été copiée ?). Supprimez la copie, enregistrez et réessayez",
        ),
        (
            r"^the column '(.*)' \((.*)\) of the template is missing: it was deleted\. Every column of the template must stay for iCARE to accept the file\. Undo the deletion \(or annotate the rejected file again\), save and try again$",
            "la colonne « $1 » ($2) du modèle manque : elle a été supprimée. Toutes les colonnes du modèle doivent rester pour qu'iCARE accepte le fichier. Annulez la suppression (ou annotez de nouveau le fichier rejeté), enregistrez et réessayez",
        ),
        (
            r"^column (\S+) holds values \(such as (\S+)\) but is not a column of the template: it has no field code of the template in the hidden row (\d+)\. Its values cannot go into the upload file\. Move them into the template's own columns or delete that column, save and try again$",
            "la colonne $1 contient des valeurs (comme $2), mais n'est pas une colonne du modèle : elle n'a aucun code de champ du modèle dans la ligne masquée $3. Ses valeurs ne peuvent pas aller dans le fichier à téléverser. Déplacez-les dans les colonnes du modèle ou supprimez cette colonne, enregistrez et réessayez",
        ),
        (
            r"^none of its sheets has the hidden row of field codes any more \(row (\d+) of the rejected file\), so icare-fix cannot tell which column is which\. Undo the change that removed it \(Ctrl\+Z\), save and try again$",
            "aucune de ses feuilles n'a plus la ligne masquée des codes de champ (ligne $1 du fichier rejeté) : icare-fix ne peut donc pas savoir quelle colonne est laquelle. Annulez la modification qui l'a retirée (Ctrl+Z), enregistrez et réessayez",
        ),
        (
            r"^its sheets (.*) both hold the template, with different changes, so icare-fix cannot tell which one to upload\. Delete the sheet you do not want \(right-click its tab > Delete\), save and try again$",
            "ses feuilles $1 contiennent toutes deux le modèle, avec des modifications différentes : icare-fix ne peut donc pas savoir laquelle téléverser. Supprimez la feuille dont vous ne voulez pas (clic droit sur son onglet > Supprimer), enregistrez et réessayez",
        ),
        (
            r"^rows (\d+) and (\d+) are the same record \(row (\d+) of the rejected file; was a row copied\?\)\. Uploading it twice would duplicate it: delete one of them, save and try again$",
            "les lignes $1 et $2 sont le même enregistrement (ligne $3 du fichier rejeté ; une ligne a-t-elle été copiée ?). Le téléverser deux fois créerait un doublon : supprimez l'une des deux, enregistrez et réessayez",
        ),
        (
            r"^row (\d+) cannot be matched with certainty to a record of the rejected file: its notes cell, which names the record, was emptied or changed, and its values do not clearly match one record\. Undo the change to the Processing Details column \(or to this row\), save and try again\. If this row was added, delete it: icare-fix only sends back the rejected records$",
            "la ligne $1 ne peut pas être associée avec certitude à un enregistrement du fichier rejeté : sa cellule de notes, qui nomme l'enregistrement, a été vidée ou modifiée, et ses valeurs ne correspondent clairement à aucun enregistrement. Annulez la modification de la colonne Processing Details (ou de cette ligne), enregistrez et réessayez. Si cette ligne a été ajoutée, supprimez-la : icare-fix ne renvoie que les enregistrements rejetés",
        ),
        (
            r"^row (\d+) cannot be matched with certainty to a record of the rejected file: its notes cell, which names the record, was emptied or changed, and its values do not clearly match one record\. Undo the change to the Processing Details column \(or to this row\), save and try again$",
            "la ligne $1 ne peut pas être associée avec certitude à un enregistrement du fichier rejeté : sa cellule de notes, qui nomme l'enregistrement, a été vidée ou modifiée, et ses valeurs ne correspondent clairement à aucun enregistrement. Annulez la modification de la colonne Processing Details (ou de cette ligne), enregistrez et réessayez",
        ),
    ]
    .into_iter()
    .map(|(pattern, fr)| (re(pattern), fr))
    .collect()
});

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::error::Error;
    use crate::lang::Lang;

    /// Words of English a French message must not hold (the file's own names aside).
    const ENGLISH: [&str; 12] = [
        " the ",
        " is ",
        " was ",
        " and ",
        " not ",
        " it ",
        " of ",
        " with ",
        "cannot",
        "try again",
        " save ",
        " run ",
    ];

    fn english_in(text: &str) -> Vec<&'static str> {
        ENGLISH
            .iter()
            .filter(|w| format!(" {text} ").contains(**w))
            .copied()
            .collect()
    }

    /// One error of every variant, with the texts icare-fix gives them. (That every variant
    /// has its French is proven by [`message`]'s match, which has no catch-all: a new
    /// variant does not compile without it.)
    fn one_of_each() -> Vec<Error> {
        let path = || PathBuf::from("/dossier/mars.xlsx");
        let os = || std::io::Error::other("x");
        vec![
            Error::NotFound { path: path() },
            Error::NotAFolder { path: path() },
            Error::Locked { path: path(), source: os() },
            Error::Io { path: path(), source: os() },
            Error::Encrypted { path: path() },
            Error::OldExcelFormat { path: path() },
            Error::Excel95 { path: path() },
            Error::NotIcare {
                path: path(),
                detail: "it holds an Excel 4.0 macro sheet, which no iCARE template has".into(),
            },
            Error::OtherFormat {
                path: path(),
                what: "a Strict Open XML Spreadsheet (an option of Excel's Save As)".into(),
                technical: "XmlError".into(),
            },
            Error::OpenDocument { path: path() },
            Error::NotAWorkbook { path: path(), detail: "it is a PDF document".into() },
            Error::Damaged { path: path(), detail: "part 3 cannot be read".into() },
            Error::DamagedBy {
                path: path(),
                detail: "the zip archive cannot be read".into(),
                technical: "invalid Zip archive: Invalid local file header".into(),
            },
            Error::TooLarge {
                path: path(),
                detail: "sheet 'Feuil1' has more than 5000000 cells".into(),
            },
            Error::XlsTooLarge { path: path(), sheet: 1, cells: 99 },
            Error::UnsafeXml { path: path(), part: "xl/workbook.xml".into() },
            Error::OutOfRange {
                path: path(),
                part: "xl/worksheets/sheet1.xml".into(),
                reference: "XFE1".into(),
            },
            Error::NoCodesRow {
                path: path(),
                hint: crate::workbook::codes_row_hint(false, false),
                template_hidden: false,
            },
            Error::NoSheets { path: path() },
            Error::OutputFolder { path: path(), reason: "the disk is full".into() },
            Error::NotRejected { path: path() },
            Error::OutputExists { path: path() },
            Error::OutputChanged { path: path() },
            Error::MistypedCommand { word: "clen".into(), command: "clean".into() },
            Error::OutputIsInput { path: path() },
            Error::TemplateFile { path: path(), line: 3, message: "« x » ?".into() },
            Error::OriginalMissing {
                annotated: path(),
                name: "mars.xlsx".into(),
                looked: "the folder '/dossier', '/dossier/mars.xlsx'".into(),
                changed: String::new(),
            },
            Error::AnnotatedMismatch {
                path: path(),
                detail: "columns C and F both have the field code 'client_birth_dt' (a column was copied?). Delete the copy, save and try again".into(),
            },
            Error::AnnotatedOfAnother {
                path: path(),
                made_from: "avril.xlsx".into(),
                source_stem: "avril".into(),
                expected: "mars.xlsx".into(),
            },
            Error::AnnotatedNotUpload { path: path() },
            Error::UserWork {
                path: path(),
                reason: "was saved or changed after icare-fix wrote it and may hold your corrections".into(),
                next: "To make the upload file from it, run: icare-fix \"/dossier/mars.xlsx\". To start over, move it away first.".into(),
            },
            Error::OriginalChanged { annotated: path(), original: path() },
            Error::SelfCheck { detail: "the sheet does not read back".into() },
            Error::UnknownTemplate { id: "x".into(), known: "client_profile".into() },
            Error::Unsupported {
                path: path(),
                detail: "row 2 is a header row of the template and cannot be left out".into(),
            },
            Error::ServeStart { what: "port 8080 is not free".into(), source: os() },
        ]
    }

    #[test]
    fn every_variant_is_said_in_french_and_english_stays_as_it_was() {
        for error in one_of_each() {
            let en = error.message_in(Lang::En);
            let fr = error.message_in(Lang::Fr);
            assert_eq!(en, error.to_string(), "English is the command line's text");
            assert_ne!(fr, en, "no French for {error:?}");
            assert_eq!(error.message_in(Lang::Both), format!("{en}\n{fr}"));
            assert!(
                english_in(&fr).is_empty(),
                "English {:?} in {fr}",
                english_in(&fr)
            );
            for reader in [
                "XmlError",
                "invalid Zip archive",
                "Invalid local file header",
            ] {
                assert!(!fr.contains(reader), "{fr}");
            }
            // The house style: a space before a colon.
            assert!(
                fr.matches(':').count() == fr.matches(" :").count() + fr.matches("://").count(),
                "a colon without a space before it: {fr}"
            );
        }
    }

    /// Every text icare-fix puts in a variant, as it makes it, has its French.
    #[test]
    fn the_variants_texts_have_their_french() {
        let texts = [
            "it is a folder",
            "it is not a regular file but a device or a pipe",
            "the file is empty",
            "it is an empty zip archive",
            "it is a zip archive without the parts of a workbook",
            "it is an XML or web page file",
            "it is a text file, perhaps a CSV export",
            "the end of the file is missing: it was cut short",
            "part of it cannot be read",
            "two parts of the package have the same name",
            "a part does not unpack to what the file declares",
            "the container's header is cut short",
            "the container's sector table loops",
            "the container's sector table is larger than the file",
            "the container's sector size (2^20) is invalid",
            "sector 12 lies past the end of the file",
            "the chain of the directory points past the end of the file",
            "the chain of the small-stream table loops",
            "part 'xl/styles.xml' cannot be read",
            "part 4 has an unreadable name",
            "part 'xl/workbook.xml': an element is not closed",
            "its sheet 'Feuil1' cannot be read",
            "its part 'content.xml' ends inside an element",
            "its part 'xl/workbook.xml' is not well-formed XML (XmlError at position 12)",
            "the workbook lists a sheet 'Feuil2' whose content is missing from the file",
            "the file is 300 MB, more than the 200 MB limit",
            "its part 'xl/a.xml' unpacks to more than 512 MB",
            "its part 'xl/a.xml' unpacks to 900 MB",
            "the cells of sheet 'Feuil1' hold more than 256 MB of text",
            "sheet 'Feuil1' holds more than 100000 iCARE error notes",
            "cell B2 of sheet 'Feuil1' holds 40000 characters, more than Excel's limit of 32767, so the file was not saved by Excel",
            "its annotated workbook would hold 90000000 cells (3000000 data rows), more than the 50000000 that fit the tool's memory budget of about 1 GB. Split it in Excel into files of at most 2,500 rows (as iCARE's templates hold) and annotate each",
            "an Excel binary workbook (.xlsb)",
            "an OpenDocument spreadsheet (.ods)",
            "a workbook whose parts are written in UTF-16, as Excel never writes them",
            "an Excel template (.xltx), not a rejected file",
            "an Excel 2.x-4.0 worksheet (.xls), a format from before 1995",
            "it holds a kind of sheet no iCARE template has (dialogsheet)",
            "sheet 'Feuil1' has a cell past Excel's last row or column (row 2000000, column 3); the file is damaged.",
            "cell E4 is not in a data row; only data rows can be changed",
            "cell Z9 holds an iCARE error note outside the notes column (A). Delete it in Excel (or move it to the notes column), save and try again.",
            "the annotated workbook could not be built: x",
            "you may not save files there",
            "the folder or disk is read-only",
            "the folder does not exist",
            "it is not a folder",
            "The template sheet is hidden: unhide it in Excel (right-click a sheet tab > Unhide), save and try again.",
            "In fact every sheet of the workbook is hidden, which Excel never saves: download the rejected file from iCARE again.",
            "in its sheet 'Feuil1', the rows above the records (the title, the hidden row of field codes and the labels) were moved among the records, as sorting the whole sheet does, so icare-fix cannot tell the records from the headings. Undo the sort (Ctrl+Z) or sort again selecting only the records (from row 4 down), save and try again",
            "cell E5 holds a formula whose result was not saved (a program wrote the formula without calculating it), so icare-fix cannot tell its value. Open the workbook in Excel and save it (Excel calculates the formulas), or type the values, and try again",
            "cells E5, E6 hold a formula whose result was not saved (a program wrote the formula without calculating it), so icare-fix cannot tell its value. Open the workbook in Excel and save it (Excel calculates the formulas), or type the values, and try again",
            "cells E5, E6, E7, E8, E9 and 3 more hold a formula whose result was not saved (a program wrote the formula without calculating it), so icare-fix cannot tell its value. Open the workbook in Excel and save it (Excel calculates the formulas), or type the values, and try again",
            "the column 'Date de naissance' (client_birth_dt) of the template is missing: it was deleted. Every column of the template must stay for iCARE to accept the file. Undo the deletion (or annotate the rejected file again), save and try again",
            "column Z holds values (such as Z5) but is not a column of the template: it has no field code of the template in the hidden row 3. Its values cannot go into the upload file. Move them into the template's own columns or delete that column, save and try again",
            "none of its sheets has the hidden row of field codes any more (row 3 of the rejected file), so icare-fix cannot tell which column is which. Undo the change that removed it (Ctrl+Z), save and try again",
            "its sheets 'A' and 'B' both hold the template, with different changes, so icare-fix cannot tell which one to upload. Delete the sheet you do not want (right-click its tab > Delete), save and try again",
            "rows 5 and 9 are the same record (row 5 of the rejected file; was a row copied?). Uploading it twice would duplicate it: delete one of them, save and try again",
            "row 7 cannot be matched with certainty to a record of the rejected file: its notes cell, which names the record, was emptied or changed, and its values do not clearly match one record. Undo the change to the Processing Details column (or to this row), save and try again",
            "row 7 cannot be matched with certainty to a record of the rejected file: its notes cell, which names the record, was emptied or changed, and its values do not clearly match one record. Undo the change to the Processing Details column (or to this row), save and try again. If this row was added, delete it: icare-fix only sends back the rejected records",
            "icare-fix finds none of the rejected file's records in it. If you deleted them all on purpose, there is nothing to upload. If not (rows cut and pasted into another sheet or workbook, a sort or a filter that moved them), undo it (Ctrl+Z), save and try again: the records must stay in the template's sheet, under its headings",
            "the page's worker threads could not start",
        ];
        for text in texts {
            let fr = known(text).unwrap_or_else(|| panic!("no French for {text:?}"));
            assert!(
                english_in(&fr).is_empty(),
                "English {:?} in {fr}",
                english_in(&fr)
            );
            assert!(!fr.contains("XmlError") && !fr.contains('$'), "{fr}");
        }
        assert_eq!(
            known("cells E5, E6, E7, E8, E9 and 3 more hold a formula whose result was not saved (a program wrote the formula without calculating it), so icare-fix cannot tell its value. Open it").unwrap(),
            "les cellules E5, E6, E7, E8, E9 et 3 autres contiennent une formule dont le résultat n'a pas été enregistré (un programme a écrit la formule sans la calculer) : icare-fix ne peut donc pas connaître leur valeur. Ouvrez le classeur dans Excel et enregistrez-le (Excel calcule les formules), ou tapez les valeurs, puis réessayez"
        );
        assert_eq!(known("a text icare-fix never writes"), None);
    }

    #[test]
    fn a_damaged_file_is_said_damaged_in_french_even_with_words_not_known() {
        let error = Error::Damaged {
            path: PathBuf::from("mars.xlsx"),
            detail: "a new kind of damage".into(),
        };
        assert_eq!(
            error.message_in(Lang::Fr),
            "« mars.xlsx » est endommagé ou incomplet. Téléchargez de nouveau le fichier rejeté depuis iCARE."
        );
    }
}
