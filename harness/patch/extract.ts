/**
 * Reads a kernel patch as a reviewer hands it over (a mail archive page, an
 * mbox, `git format-patch` output, a plain `git diff` or `diff -u`) and
 * returns its files and hunks, the full text of each file it creates, and
 * the mail's subject and author when present (pure).
 *
 * Mail text around the diff is skipped the way `git am` and patch(1) skip it:
 * a file starts at `diff --git …` or at a `--- `/`+++ ` pair followed by a
 * hunk, and a hunk ends when its header's line counts are met, so the
 * trailing `-- ` signature and archive footer are never read as diff lines.
 *
 * @module
 */

/** One line of a hunk body: context, removed or added. */
export interface HunkLine {
  readonly op: " " | "-" | "+";
  readonly text: string;
}

/** One `@@ -a,b +c,d @@` hunk. */
export interface Hunk {
  /** 1-based position among its file's hunks. */
  readonly index: number;
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Text after the closing `@@` (the function or section name). */
  readonly section: string;
  /** 1-based line of the `@@` header in the patch text. */
  readonly line: number;
  readonly lines: readonly HunkLine[];
  /** The last new line has no final newline (`\ No newline at end of file`). */
  readonly noNewlineAtEnd: boolean;
}

/** What a file section does to its file. */
export type FileStatus = "added" | "deleted" | "modified";

/** One file of the patch. */
export interface FileDiff {
  /** Path in the tree (`-p1`: `a/`, `b/` or the first directory stripped). */
  readonly path: string;
  readonly status: FileStatus;
  /** 1-based line where this file's section starts in the patch text. */
  readonly line: number;
  readonly hunks: readonly Hunk[];
  /** Full content of an added file, rebuilt from its `+` lines; null otherwise. */
  readonly content: string | null;
  /** This file's section alone, a valid input for `patch -p1`. */
  readonly text: string;
}

/** A parsed patch. */
export interface ExtractedPatch {
  /** `Subject:`, else a first line such as `[RFC PATCH] udiag - …`; null for a bare diff. */
  readonly subject: string | null;
  /** `From:`, else the first `Signed-off-by:`; null when neither is present. */
  readonly author: string | null;
  readonly files: readonly FileDiff[];
}

/** Thrown for a text that holds no diff or a malformed one; names the line and hunk. */
export class PatchFormatError extends Error {
  readonly code = "EPATCHFORMAT";
  /** 1-based line of the patch text the problem was found at, when known. */
  readonly line: number | null;
  readonly file: string | null;
  readonly hunk: number | null;
  constructor(
    message: string,
    where: { line?: number; file?: string; hunk?: number } = {},
  ) {
    super(message);
    this.name = "PatchFormatError";
    this.line = where.line ?? null;
    this.file = where.file ?? null;
    this.hunk = where.hunk ?? null;
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
/** Extended header lines of a `diff --git` section, before `---`. */
const GIT_EXTENDED = new RegExp(
  "^(old mode|new mode|deleted file mode|new file mode|similarity index|dissimilarity index|" +
    "rename from|rename to|copy from|copy to|index) ",
);

/** `-p1`: drops a timestamp after a tab and the first path component (`a/`, `b/`, `linux.orig/`). */
function stripPath(name: string): string | null {
  const path = name.split("\t")[0]!.trim();
  if (path === "/dev/null") return null;
  const slash = path.indexOf("/");
  return slash >= 0 ? path.slice(slash + 1) : path;
}

function gitPaths(header: string): { oldPath: string; newPath: string } | null {
  const m = /^diff --git a\/(.+) b\/(.+)$/.exec(header);
  return m ? { oldPath: m[1]!, newPath: m[2]! } : null;
}

/** The mail's subject: a `Subject:` header (with folded lines), else a leading `[… PATCH …]` line. */
function findSubject(mail: readonly string[]): string | null {
  for (let i = 0; i < mail.length; i++) {
    const m = /^Subject:\s*(.*)$/i.exec(mail[i]!);
    if (!m) continue;
    let s = m[1]!.trim();
    for (let j = i + 1; j < mail.length && /^[ \t]+\S/.test(mail[j]!); j++) {
      s += " " + mail[j]!.trim();
    }
    return s || null;
  }
  const first = mail.find((l) => l.trim() !== "");
  return first !== undefined && /^\s*\[[^\]]*PATCH[^\]]*\]/i.test(first) ? first.trim() : null;
}

function findAuthor(mail: readonly string[]): string | null {
  for (const re of [/^From:\s*(.+)$/, /^\s*Signed-off-by:\s*(.+)$/]) {
    for (const l of mail) {
      const m = re.exec(l);
      if (m) return m[1]!.trim();
    }
  }
  return null;
}

/** Is this line a removed or added line that no hunk counted (not a header or a signature)? */
function isStrayBodyLine(line: string, next: string | undefined): boolean {
  if (line === "--" || line === "-- ") return false; // mail signature separator
  if (line.startsWith("--- ") && next?.startsWith("+++ ")) return false; // next file
  return line.startsWith("+") || line.startsWith("-");
}

function countsMessage(
  oldWant: number,
  newWant: number,
  oldGot: number,
  newGot: number,
): string {
  const oldBad = oldGot !== oldWant;
  const newBad = newGot !== newWant;
  if (oldBad && newBad) {
    return `expected ${oldWant} old and ${newWant} new lines, found ${oldGot} and ${newGot}`;
  }
  return oldBad
    ? `expected ${oldWant} old lines, found ${oldGot}`
    : `expected ${newWant} new lines, found ${newGot}`;
}

/** Where a hunk is, for its error messages. */
interface HunkWhere {
  /** 1-based line of the `@@` header. */
  readonly line: number;
  readonly file: string;
  readonly hunk: number;
}

/** An error about one hunk, prefixed with its number, file and header line. */
function hunkError(where: HunkWhere, what: string): PatchFormatError {
  return new PatchFormatError(
    `Hunk ${where.hunk} of "${where.file}" (line ${where.line}): ${what}`,
    where,
  );
}

/** The patch's lines: mail archives often carry CRLF line ends, a kernel diff never needs them. */
function patchLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Does a file section start at line `i`: `diff --git`, or a `---`/`+++` pair followed by a hunk? */
function startsSection(lines: readonly string[], i: number): boolean {
  const l = lines[i]!;
  if (l.startsWith("diff --git ")) return true;
  return l.startsWith("--- ") && !!lines[i + 1]?.startsWith("+++ ") &&
    HUNK_HEADER.test(lines[i + 2] ?? "");
}

/** The next file section at or after `from`, skipping mail text; `lines.length` when none. */
function nextSection(lines: readonly string[], from: number): number {
  let i = from;
  while (i < lines.length && !startsSection(lines, i)) i++;
  return i;
}

/** A file section's paths (null for /dev/null) and the line after its headers. */
interface SectionHeader {
  readonly oldPath: string | null;
  readonly newPath: string | null;
  readonly end: number;
}

/** `diff --git a/X b/Y` and its extended lines, where git says "new file" or "deleted file". */
function readGitHeader(lines: readonly string[], start: number): SectionHeader {
  const l = lines[start]!;
  const g = gitPaths(l);
  if (!g) {
    throw new PatchFormatError(`Malformed "diff --git" line at line ${start + 1}: "${l}"`, {
      line: start + 1,
    });
  }
  let status: FileStatus = "modified";
  let i = start + 1;
  while (i < lines.length && GIT_EXTENDED.test(lines[i]!)) {
    if (lines[i]!.startsWith("new file mode")) status = "added";
    if (lines[i]!.startsWith("deleted file mode")) status = "deleted";
    i++;
  }
  return {
    oldPath: status === "added" ? null : g.oldPath,
    newPath: status === "deleted" ? null : g.newPath,
    end: i,
  };
}

/**
 * A section's headers: the git ones if any, then the `---`/`+++` pair, whose
 * paths win (a git section without the pair is a mode change, rename or binary).
 */
function readSectionHeader(lines: readonly string[], start: number): SectionHeader {
  const git = lines[start]!.startsWith("diff --git ")
    ? readGitHeader(lines, start)
    : { oldPath: null, newPath: null, end: start };
  const i = git.end;
  if (!lines[i]?.startsWith("--- ") || !lines[i + 1]?.startsWith("+++ ")) return git;
  return {
    oldPath: stripPath(lines[i]!.slice(4)),
    newPath: stripPath(lines[i + 1]!.slice(4)),
    end: i + 2,
  };
}

/** The file a section is about and what it does to it; /dev/null on both sides names none. */
function sectionFile(h: SectionHeader, start: number): { path: string; status: FileStatus } {
  const path = h.newPath ?? h.oldPath;
  if (path === null) {
    throw new PatchFormatError(
      `File section at line ${start + 1} names /dev/null on both sides`,
      { line: start + 1 },
    );
  }
  const status: FileStatus = h.oldPath === null
    ? "added"
    : h.newPath === null
    ? "deleted"
    : "modified";
  return { path, status };
}

/** Does a body line of this op still fit the header's counts? `\` (no newline) always does. */
function fitsCounts(
  op: string | undefined,
  oldLeft: boolean,
  newLeft: boolean,
): boolean {
  return op === " "
    ? oldLeft && newLeft
    : op === "-"
    ? oldLeft
    : op === "+"
    ? newLeft
    : op === "\\";
}

/**
 * A hunk's body from `start`, read until the header's old and new counts are
 * met, so text after it (a signature, the next mail) is never read as diff.
 */
function readHunkBody(
  lines: readonly string[],
  start: number,
  counts: { readonly oldLines: number; readonly newLines: number },
  where: HunkWhere,
): { body: HunkLine[]; noNewlineAtEnd: boolean; end: number } {
  const { oldLines, newLines } = counts;
  const body: HunkLine[] = [];
  let oldGot = 0;
  let newGot = 0;
  let noNewlineAtEnd = false;
  let i = start;
  while (oldGot < oldLines || newGot < newLines) {
    const b = lines[i];
    // Mailers strip the lone space of an empty context line; patch(1) reads it as context.
    const op = b === undefined ? undefined : b === "" ? " " : b[0];
    if (!fitsCounts(op, oldGot < oldLines, newGot < newLines)) {
      const at = b === undefined ? "the end of the text" : `line ${i + 1}`;
      throw hunkError(where, `${countsMessage(oldLines, newLines, oldGot, newGot)} before ${at}`);
    }
    if (op === "\\") {
      // `\ No newline at end of file`: about the line before it.
      if (body.at(-1)?.op !== "-") noNewlineAtEnd = true;
      i++;
      continue;
    }
    body.push({ op: op as HunkLine["op"], text: b!.slice(1) });
    if (op !== "+") oldGot++;
    if (op !== "-") newGot++;
    i++;
  }
  if (lines[i]?.startsWith("\\")) {
    if (body.at(-1)?.op !== "-") noNewlineAtEnd = true;
    i++;
  }
  return { body, noNewlineAtEnd, end: i };
}

/** One `@@` hunk at `start`: header, body, and no diff line left over past the counts. */
function readHunk(
  lines: readonly string[],
  start: number,
  path: string,
  index: number,
): { hunk: Hunk; end: number } {
  const header = lines[start]!;
  const where: HunkWhere = { line: start + 1, file: path, hunk: index };
  const m = HUNK_HEADER.exec(header);
  if (!m) throw hunkError(where, `malformed header "${header}"`);
  const oldLines = m[2] === undefined ? 1 : Number(m[2]);
  const newLines = m[4] === undefined ? 1 : Number(m[4]);
  const { body, noNewlineAtEnd, end } = readHunkBody(
    lines,
    start + 1,
    { oldLines, newLines },
    where,
  );
  if (end < lines.length && isStrayBodyLine(lines[end]!, lines[end + 1])) {
    throw hunkError(
      where,
      `line ${
        end + 1
      } is a diff line beyond the ${oldLines} old and ${newLines} new lines the header counts`,
    );
  }
  const hunk: Hunk = {
    index,
    oldStart: Number(m[1]),
    oldLines,
    newStart: Number(m[3]),
    newLines,
    section: m[5]!,
    line: where.line,
    lines: body,
    noNewlineAtEnd,
  };
  return { hunk, end };
}

/** The hunks after a section's headers: every `@@` line in a row. */
function readHunks(
  lines: readonly string[],
  start: number,
  path: string,
): { hunks: Hunk[]; end: number } {
  const hunks: Hunk[] = [];
  let i = start;
  while (i < lines.length && lines[i]!.startsWith("@@")) {
    const { hunk, end } = readHunk(lines, i, path, hunks.length + 1);
    hunks.push(hunk);
    i = end;
  }
  return { hunks, end: i };
}

/** A new file's full text, rebuilt from its hunks, which may hold added lines only. */
function addedContent(path: string, hunks: readonly Hunk[]): string {
  const added: string[] = [];
  for (const h of hunks) {
    const bad = h.lines.findIndex((x) => x.op !== "+");
    if (bad >= 0) {
      throw new PatchFormatError(
        `Hunk ${h.index} of new file "${path}" (line ${h.line}): body line ${
          bad + 1
        } is not an added line`,
        { line: h.line + 1 + bad, file: path, hunk: h.index },
      );
    }
    added.push(...h.lines.map((x) => x.text));
  }
  const last = hunks.at(-1);
  return added.join("\n") + (added.length > 0 && !last?.noNewlineAtEnd ? "\n" : "");
}

/** The file section at `start`: headers, hunks, a new file's content, and its own text. */
function readFileSection(lines: readonly string[], start: number): { file: FileDiff; end: number } {
  const header = readSectionHeader(lines, start);
  const { path, status } = sectionFile(header, start);
  const { hunks, end } = readHunks(lines, header.end, path);
  // Headers that promise a hunk and none follows: the diff was cut.
  if (
    lines[start]!.startsWith("diff --git ") && hunks.length === 0 &&
    lines[end - 1]?.startsWith("+++ ")
  ) {
    throw new PatchFormatError(
      `File "${path}" (line ${start + 1}) has ---/+++ headers but no hunk`,
      { line: start + 1, file: path },
    );
  }
  const file: FileDiff = {
    path,
    status,
    line: start + 1,
    hunks,
    content: status === "added" ? addedContent(path, hunks) : null,
    text: lines.slice(start, end).join("\n") + "\n",
  };
  return { file, end };
}

/**
 * Parses a patch into its files; throws {@linkcode PatchFormatError} when
 * `text` holds no diff (`No diff in "FILE"`) or a hunk does not match its
 * header. `source` names the patch in messages.
 *
 * @example
 * ```ts
 * import { extractPatch } from "./extract.ts";
 * const p = extractPatch(
 *   "Subject: [PATCH] add x\n\ndiff --git a/x.c b/x.c\nnew file mode 100644\n" +
 *     "--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,2 @@\n+int x;\n+int y;\n",
 *   "x.patch",
 * );
 * if (p.subject !== "[PATCH] add x" || p.files[0]!.content !== "int x;\nint y;\n") {
 *   throw new Error();
 * }
 * ```
 */
export function extractPatch(text: string, source: string): ExtractedPatch {
  const lines = patchLines(text);
  const files: FileDiff[] = [];
  let i = nextSection(lines, 0);
  while (i < lines.length) {
    const { file, end } = readFileSection(lines, i);
    files.push(file);
    i = nextSection(lines, end);
  }
  if (files.length === 0) throw new PatchFormatError(`No diff in "${source}"`);
  // The mail is what comes before the first file section.
  const mail = lines.slice(0, files[0]!.line - 1);
  return { subject: findSubject(mail), author: findAuthor(mail), files };
}

/**
 * The line of the patch text that holds line `line` (1-based) of an added
 * file, or null when the file is not an added one or the line is out of range.
 *
 * @example
 * ```ts
 * import { extractPatch, patchLineOf } from "./extract.ts";
 * const p = extractPatch("--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,2 @@\n+a\n+b\n", "x");
 * if (patchLineOf(p.files[0]!, 2) !== 5) throw new Error();
 * ```
 */
export function patchLineOf(file: FileDiff, line: number): number | null {
  if (file.status !== "added" || line < 1) return null;
  let before = 0;
  for (const h of file.hunks) {
    if (line <= before + h.lines.length) return h.line + (line - before);
    before += h.lines.length;
  }
  return null;
}
