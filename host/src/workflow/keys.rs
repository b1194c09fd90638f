//! The workflow format's keys as tables: the parser checks keys against them and the
//! editor schema (`workflows/schema.json`) is generated from them, so the two agree.

/// What a key's value must be.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Any string.
    Text,
    /// A workflow name: lowercase letters, digits and `-`.
    Name,
    /// A step id.
    StepId,
    /// `plugin/action`, `plugin/action@version` or `plugin/action@sha256:<64 hex>`.
    Uses,
    Bool,
    /// An integer of at least `min`.
    Int {
        min: u32,
    },
    /// An integer from `min` to `max`, or a string holding `${{ }}`.
    IntOrExpr {
        min: u32,
        max: u32,
    },
    /// `30s`, `1h30m`, `500ms`, `2d`.
    Duration,
    Enum(&'static [&'static str]),
    /// Any value; strings may hold `${{ }}`.
    Template,
    /// `true`/`false` or a string holding `${{ }}`.
    Condition,
    List {
        item: &'static Shape,
        min: usize,
    },
    /// A mapping of names to values of one shape.
    Map(&'static Shape),
    Object(&'static Table),
}

/// The keys of a mapping.
#[derive(Debug)]
pub struct Table {
    pub fields: &'static [Field],
    /// Keys of which exactly one must be present (empty: no such rule).
    pub one_of: &'static [&'static str],
}

/// One key.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// Required keys carry the help text shown when they are missing.
    pub required: Option<&'static str>,
    pub doc: &'static str,
}

impl Table {
    pub fn names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }

    pub fn required(&self) -> Vec<(&'static str, &'static str)> {
        self.fields.iter().filter_map(|f| f.required.map(|help| (f.name, help))).collect()
    }
}

const fn opt(name: &'static str, shape: Shape, doc: &'static str) -> Field {
    Field { name, shape, required: None, doc }
}

const fn req(name: &'static str, shape: Shape, help: &'static str, doc: &'static str) -> Field {
    Field { name, shape, required: Some(help), doc }
}

pub const INPUT_TYPES: &[&str] = &["string", "integer", "number", "boolean", "object", "array"];
pub const CATCH_UP: &[&str] = &["none", "last", "all"];
pub const ON_BUSY: &[&str] = &["queue", "skip", "cancel_running"];
pub const BACKOFF: &[&str] = &["fixed", "exponential"];
/// Roles that may be named in `approvers`: the ones that can decide (a viewer only reads).
pub const ROLES: &[&str] = &super::approval::DEFAULT_APPROVERS;
pub const ON_TIMEOUT: &[&str] = &["reject", "approve", "fail"];

pub const WORKFLOW: Table = Table {
    fields: &[
        req("name", Shape::Name, "add `name: my-workflow`", "Lowercase letters, digits and `-`"),
        opt("description", Shape::Text, "What the workflow does"),
        opt("on", Shape::Object(&TRIGGERS), "Triggers used by `roost serve`; `roost run` ignores them"),
        opt("inputs", Shape::Map(&Shape::Object(&INPUT)), "Named inputs"),
        opt("concurrency", Shape::Object(&CONCURRENCY), "How many runs of this workflow may be active at once"),
        opt("defaults", Shape::Object(&DEFAULTS), "Timeout and retry for steps that set none"),
        req("steps", STEPS, "add `steps:` with at least one step", "The steps; they run in dependency order"),
        opt("on_failure", ON_FAILURE, "Steps run when the run fails; `failure` is in scope"),
        opt("outputs", Shape::Map(&Shape::Template), "Named results of the run"),
    ],
    one_of: &[],
};

const STEPS: Shape = Shape::List { item: &Shape::Object(&STEP), min: 1 };
const ON_FAILURE: Shape = Shape::List { item: &Shape::Object(&STEP), min: 0 };

pub const INPUT: Table = Table {
    fields: &[
        opt("type", Shape::Enum(INPUT_TYPES), "The input's type (default string)"),
        opt("default", Shape::Template, "The value when none is given; without it the input is required"),
        opt("description", Shape::Text, "What the input is for"),
    ],
    one_of: &[],
};

pub const TRIGGERS: Table = Table {
    fields: &[
        opt("schedule", Shape::List { item: &Shape::Object(&SCHEDULE), min: 0 }, "Cron schedules"),
        opt("webhook", Shape::Object(&WEBHOOK), "Start runs from signed HTTP requests"),
        opt("manual", Shape::Bool, "Whether runs may be started by hand (default true)"),
    ],
    one_of: &[],
};

pub const SCHEDULE: Table = Table {
    fields: &[
        req("cron", Shape::Text, "add `cron: \"0 9 * * MON-FRI\"`", "5 fields, or 6 with seconds first"),
        opt("timezone", Shape::Text, "IANA time zone name (default UTC)"),
        opt("catch_up", Shape::Enum(CATCH_UP), "Runs missed while Roost was down (default last)"),
    ],
    one_of: &[],
};

pub const WEBHOOK: Table = Table {
    fields: &[
        req(
            "secret",
            Shape::Text,
            "add `secret: WEBHOOK_KEY`",
            "Workspace secret that verifies the HMAC-SHA256 signature",
        ),
        opt(
            "wait",
            Shape::Duration,
            "Answer with the run's status and outputs once it ends (or a `respond` step's answer), waiting at most \
             this long (up to 30s); later, 202",
        ),
        opt(
            "verify_token",
            Shape::Text,
            "Workspace secret that a GET verification handshake (hub.verify_token, as Meta sends) must match",
        ),
    ],
    one_of: &[],
};

pub const CONCURRENCY: Table = Table {
    fields: &[
        opt("limit", Shape::Int { min: 1 }, "Most active runs at once (default unlimited)"),
        opt("on_busy", Shape::Enum(ON_BUSY), "What a new run does at the limit (default queue)"),
    ],
    one_of: &[],
};

pub const DEFAULTS: Table = Table {
    fields: &[
        opt("timeout", Shape::Duration, "Time limit of each attempt of an action step"),
        opt("retry", Shape::Object(&RETRY), "Retry policy of action steps"),
    ],
    one_of: &[],
};

pub const RETRY: Table = Table {
    fields: &[
        opt("max_attempts", Shape::Int { min: 1 }, "Attempts in all, including the first (default 1)"),
        opt("backoff", Shape::Enum(BACKOFF), "How the delay grows (default exponential)"),
        opt("initial_delay", Shape::Duration, "Delay before the second attempt (default 1s)"),
        opt("max_delay", Shape::Duration, "Longest delay (default 5m)"),
        opt("jitter", Shape::Bool, "Randomise each delay between half and all of it (default false)"),
    ],
    one_of: &[],
};

pub const STEP: Table = Table {
    fields: &[
        req("id", Shape::StepId, "add `id: my-step`", "Unique step id"),
        opt(
            "uses",
            Shape::Uses,
            "The action to run: `plugin/action@version`, or `plugin/action@sha256:<64 hex>` for one exact component",
        ),
        opt("with", Shape::Template, "The action's input"),
        opt("approval", Shape::Object(&APPROVAL), "Wait for a person to approve or reject"),
        opt("wait", Shape::Duration, "Wait this long (a durable timer)"),
        opt("respond", Shape::Object(&RESPOND), "Answer the webhook that started the run now, while the run goes on"),
        opt("needs", Shape::List { item: &Shape::StepId, min: 0 }, "Steps that must end first"),
        opt("if", Shape::Condition, "Run the step only when this is true"),
        opt("for_each", Shape::Template, "Run the action once per element; `item` and `index` are in scope"),
        opt("concurrency", Shape::Int { min: 1 }, "Elements of `for_each` run at once (default 1)"),
        opt("wait_until", Shape::Template, "Start no earlier than this RFC 3339 time"),
        opt("timeout", Shape::Duration, "Time limit of each attempt"),
        opt("retry", Shape::Object(&RETRY), "Retry policy"),
        opt("continue_on_error", Shape::Bool, "Let the run go on when this step fails (default false)"),
    ],
    one_of: &["uses", "approval", "wait", "respond"],
};

pub const RESPOND: Table = Table {
    fields: &[
        opt("status", Shape::IntOrExpr { min: 200, max: 599 }, "The HTTP status (default 200)"),
        opt("headers", Shape::Map(&Shape::Template), "Headers by name; values are strings and may hold `${{ }}`"),
        opt(
            "body",
            Shape::Template,
            "A string (sent as text/plain) or another JSON value (sent as application/json); none sends no body",
        ),
    ],
    one_of: &[],
};

pub const APPROVAL: Table = Table {
    fields: &[
        req("message", Shape::Template, "add `message: \"Publish this post?\"`", "What the approver is asked"),
        opt("preview", Shape::Template, "A value shown with the request"),
        opt(
            "approvers",
            Shape::List { item: &Shape::Enum(ROLES), min: 1 },
            "Workspace roles that may decide (default owner, editor, approver)",
        ),
        opt("timeout", Shape::Duration, "How long to wait for a decision (default forever)"),
        opt("on_timeout", Shape::Enum(ON_TIMEOUT), "What happens at the timeout (default reject)"),
        opt(
            "quorum",
            Shape::Int { min: 1 },
            "How many different people must approve (default 1, at most 10); one rejection rejects",
        ),
        opt(
            "fields",
            Shape::Map(&Shape::Object(&APPROVAL_FIELD)),
            "Values the approver may edit before deciding; the output's `fields` has the final ones",
        ),
    ],
    one_of: &[],
};

/// The types an approval field may have: what a person can type into a form.
pub const APPROVAL_FIELD_TYPES: &[&str] = &["string", "integer", "number", "boolean"];

pub const APPROVAL_FIELD: Table = Table {
    fields: &[
        opt("type", Shape::Enum(APPROVAL_FIELD_TYPES), "The field's type (default string)"),
        opt("default", Shape::Template, "The value shown to the approver, e.g. the draft's text"),
        opt("description", Shape::Text, "What the field is"),
        opt("max_length", Shape::Int { min: 1 }, "Most characters of a text, counted as `count` says"),
        opt(
            "count",
            Shape::Enum(super::post_length::COUNTINGS),
            "How max_length counts: characters as people see them (default), or mastodon (every link 23, @user@domain as @user)",
        ),
    ],
    one_of: &[],
};
