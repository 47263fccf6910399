//! A local HTTP server speaking the OpenAI chat-completions wire format (`POST
//! /v1/chat/completions`), streamed (server-sent events with `data:` lines and `[DONE]`) or not,
//! with tool calls, usage (OpenRouter's `usage.cost` included), error statuses with
//! `Retry-After`, and slow replies. Tests script the replies and read back every request the
//! server received, exactly as it arrived. Shared with the CLI's tests, which use part of it.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};

/// One scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Only a request for this model takes this reply.
    pub for_model: Option<String>,
    pub delay: Duration,
    pub kind: ReplyKind,
}

#[derive(Debug, Clone)]
pub enum ReplyKind {
    Json {
        status: u16,
        body: Value,
        retry_after: Option<String>,
    },
    /// Each string is one `data:` payload; `[DONE]` is sent after them.
    Stream {
        chunks: Vec<Value>,
        gap: Duration,
        /// Ends after the chunks with no finish reason and no `[DONE]`, as when a connection
        /// drops mid-reply.
        truncated: bool,
    },
}

impl Reply {
    fn new(kind: ReplyKind) -> Self {
        Self {
            for_model: None,
            delay: Duration::ZERO,
            kind,
        }
    }

    /// A plain (not streamed) answer.
    pub fn text(content: &str, usage: Value) -> Self {
        Self::new(ReplyKind::Json {
            status: 200,
            body: json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "served-model",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": usage,
            }),
            retry_after: None,
        })
    }

    /// A plain answer that calls one tool.
    pub fn tool_call(id: &str, name: &str, arguments: Value, usage: Value) -> Self {
        Self::new(ReplyKind::Json {
            status: 200,
            body: json!({
                "id": "chatcmpl-2", "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "tool_calls",
                             "message": {"role": "assistant", "content": null, "tool_calls": [{
                                 "id": id, "type": "function",
                                 "function": {"name": name, "arguments": arguments.to_string()}
                             }]}}],
                "usage": usage,
            }),
            retry_after: None,
        })
    }

    /// A streamed answer in the given pieces, then a usage chunk.
    pub fn streamed_text(pieces: &[&str], usage: Value) -> Self {
        let mut chunks: Vec<Value> = pieces
            .iter()
            .map(|piece| {
                json!({"object": "chat.completion.chunk", "model": "served-model",
                       "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]})
            })
            .collect();
        chunks.push(json!({"object": "chat.completion.chunk",
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}));
        chunks.push(json!({"object": "chat.completion.chunk", "choices": [], "usage": usage}));
        Self::new(ReplyKind::Stream {
            chunks,
            gap: Duration::ZERO,
            truncated: false,
        })
    }

    /// A stream that breaks off after these pieces.
    pub fn truncated_stream(pieces: &[&str]) -> Self {
        let chunks = pieces
            .iter()
            .map(|piece| json!({"choices": [{"index": 0, "delta": {"content": piece}}]}))
            .collect();
        Self::new(ReplyKind::Stream {
            chunks,
            gap: Duration::ZERO,
            truncated: true,
        })
    }

    /// A streamed tool call whose arguments arrive in two pieces.
    pub fn streamed_tool_call(id: &str, name: &str, arguments: Value, usage: Value) -> Self {
        let text = arguments.to_string();
        let middle = text.len() / 2;
        let (first, second) = text.split_at(middle);
        let chunks = vec![
            json!({"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [
                {"index": 0, "id": id, "type": "function",
                 "function": {"name": name, "arguments": first}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": second}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
            json!({"choices": [], "usage": usage}),
        ];
        Self::new(ReplyKind::Stream {
            chunks,
            gap: Duration::ZERO,
            truncated: false,
        })
    }

    /// An error status with an OpenAI-style error body.
    pub fn error(status: u16, retry_after: Option<&str>) -> Self {
        Self::new(ReplyKind::Json {
            status,
            body: json!({"error": {"message": format!("scripted {status}"), "code": status}}),
            retry_after: retry_after.map(str::to_owned),
        })
    }

    pub fn for_model(mut self, model: &str) -> Self {
        self.for_model = Some(model.to_owned());
        self
    }

    /// Waits before answering at all.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Usage as OpenRouter reports it.
pub fn usage(prompt: u64, completion: u64, cost: Option<f64>) -> Value {
    let mut value = json!({"prompt_tokens": prompt, "completion_tokens": completion,
                           "total_tokens": prompt + completion});
    if let (Some(cost), Some(object)) = (cost, value.as_object_mut()) {
        object.insert("cost".to_owned(), json!(cost));
    }
    value
}

/// What the server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub body: Value,
    pub authorization: Option<String>,
}

impl Received {
    pub fn model(&self) -> &str {
        self.body["model"].as_str().unwrap_or_default()
    }

    /// Every message's content, joined: what left the machine.
    pub fn all_text(&self) -> String {
        self.body["messages"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .map(|message| message["content"].as_str().unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
}

pub struct FakeProvider {
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeProvider {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{address}/v1"),
            shared,
            task,
        }
    }

    pub fn push(&self, reply: Reply) {
        self.shared.replies.lock().unwrap().push_back(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }
}

async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    shared.received.lock().unwrap().push(Received {
        body: body.clone(),
        authorization: headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
    });
    let reply = {
        let mut replies = shared.replies.lock().unwrap();
        let position = replies.iter().position(|reply| {
            reply
                .for_model
                .as_deref()
                .is_none_or(|wanted| wanted == model)
        });
        position.and_then(|position| replies.remove(position))
    };
    let Some(reply) = reply else {
        return json_response(
            500,
            &json!({"error": {"message": "no scripted reply"}}),
            None,
        );
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match reply.kind {
        ReplyKind::Json {
            status,
            body,
            retry_after,
        } => json_response(status, &body, retry_after),
        ReplyKind::Stream {
            chunks,
            gap,
            truncated,
        } => {
            let mut events: Vec<String> = chunks
                .iter()
                .map(|chunk| format!("data: {chunk}\n\n"))
                .collect();
            events.insert(0, ": OPENROUTER PROCESSING\n\n".to_owned());
            if !truncated {
                events.push("data: [DONE]\n\n".to_owned());
            }
            let stream = futures_util::stream::iter(events).then(move |event| async move {
                if !gap.is_zero() {
                    tokio::time::sleep(gap).await;
                }
                Ok::<_, Infallible>(Bytes::from(event))
            });
            let mut response = Response::new(Body::from_stream(stream));
            response.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/event-stream"),
            );
            response
        }
    }
}

fn json_response(status: u16, body: &Value, retry_after: Option<String>) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(retry_after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from_str(&retry_after).unwrap());
    }
    response
}
