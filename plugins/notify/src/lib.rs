//! Roost plugin `notify`: a message out to a signed JSON webhook, a Slack-compatible
//! incoming webhook or a Matrix room, each delivered at most once per logical step where
//! the receiver can tell (webhook `X-Roost-Delivery`, Matrix transaction ids).
//!
//! The actions only parse input and send; `webhook`, `slack` and `matrix` build each
//! request and read each answer, `wire` holds what they share.

mod matrix;
mod slack;
mod webhook;
mod wire;

use roost_sdk::{Action, Context, StepError, Value};
use serde::{Deserialize, Serialize};

/// What every action returns once the receiver has accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivered {
    pub delivered: bool,
    pub status: u16,
    /// The Matrix event id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    pub payload: Value,
    pub event: Option<String>,
}

/// Posts a JSON payload to a URL, signed when `NOTIFY_WEBHOOK_SECRET` is set.
pub struct Webhook;

impl Action for Webhook {
    type Input = WebhookInput;
    type Output = Delivered;

    fn run(ctx: &Context, input: WebhookInput) -> Result<Delivered, StepError> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let request = webhook::request(ctx, &input.url, &input.payload, input.event.as_deref(), now)?;
        webhook::outcome(&input.url, &request.send()?)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackInput {
    pub webhook_url: String,
    pub text: String,
    pub blocks: Option<Value>,
}

/// Posts to a Slack-compatible incoming webhook.
pub struct Slack;

impl Action for Slack {
    type Input = SlackInput;
    type Output = Delivered;

    fn run(_ctx: &Context, input: SlackInput) -> Result<Delivered, StepError> {
        let request = slack::request(&input.webhook_url, &input.text, input.blocks.as_ref())?;
        slack::outcome(&request.send()?)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixInput {
    pub homeserver: String,
    pub room_id: String,
    pub text: String,
    pub html: Option<String>,
}

/// Sends a text message, optionally with HTML, to a Matrix room.
pub struct Matrix;

impl Action for Matrix {
    type Input = MatrixInput;
    type Output = Delivered;

    fn run(ctx: &Context, input: MatrixInput) -> Result<Delivered, StepError> {
        let message = matrix::Message {
            homeserver: &input.homeserver,
            room_id: &input.room_id,
            text: &input.text,
            html: input.html.as_deref(),
        };
        matrix::outcome(&matrix::request(&message, &ctx.idempotency_key)?.send()?)
    }
}

roost_sdk::plugin! { "webhook" => Webhook, "slack" => Slack, "matrix" => Matrix }
