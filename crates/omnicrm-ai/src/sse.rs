//! Server-sent events of a streamed chat completion: bytes in, whole `data:` payloads out, and
//! the chunks folded into one [`Completion`].
//!
//! Network reads cut the stream anywhere (mid-line, mid-UTF-8 character), so bytes are buffered
//! until a line ends. Comment lines (`: OPENROUTER PROCESSING`) and other fields are skipped.

use omnicrm_core::{Error, ErrorCode, Result};

use crate::wire::{FunctionCall, StreamChunk, ToolCall, Usage};

/// What one provider call produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    /// The model that answered (the provider's name for it when it says).
    pub model: String,
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Option<Usage>,
    pub finish_reason: Option<String>,
}

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    Data(String),
    Done,
}

/// Splits a byte stream into `data:` payloads.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    data_lines: Vec<String>,
}

impl SseDecoder {
    /// Feeds bytes; returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if let Some(event) = self.dispatch() {
                    events.push(event);
                }
            } else if let Some(data) = line.strip_prefix("data:") {
                self.data_lines
                    .push(data.strip_prefix(' ').unwrap_or(data).to_owned());
            }
        }
        events
    }

    /// The event left when the stream ends without a final blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buffer.is_empty() {
            let rest = std::mem::take(&mut self.buffer);
            let rest = String::from_utf8_lossy(&rest).into_owned();
            if let Some(data) = rest.trim_end_matches(['\n', '\r']).strip_prefix("data:") {
                self.data_lines
                    .push(data.strip_prefix(' ').unwrap_or(data).to_owned());
            }
        }
        self.dispatch()
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        if self.data_lines.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data_lines).join("\n");
        Some(if data.trim() == "[DONE]" {
            SseEvent::Done
        } else {
            SseEvent::Data(data)
        })
    }
}

/// Folds stream chunks into a [`Completion`], assembling tool calls from their pieces.
#[derive(Debug, Default)]
pub struct CompletionBuilder {
    completion: Completion,
    calls: Vec<ToolCall>,
}

impl CompletionBuilder {
    pub fn new(model: &str) -> Self {
        Self {
            completion: Completion {
                model: model.to_owned(),
                ..Completion::default()
            },
            calls: Vec::new(),
        }
    }

    /// Applies one `data:` payload; returns the text it added, for streaming to the user.
    pub fn apply(&mut self, data: &str) -> Result<Option<String>> {
        let chunk: StreamChunk = serde_json::from_str(data).map_err(|source| {
            Error::new(
                ErrorCode::Network,
                format!("the AI provider sent a stream chunk that is not valid JSON: {source}"),
            )
        })?;
        if let Some(model) = chunk.model.filter(|model| !model.is_empty()) {
            self.completion.model = model;
        }
        if let Some(usage) = chunk.usage {
            self.completion.usage = Some(usage);
        }
        let mut added = String::new();
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content {
                added.push_str(&text);
            }
            for piece in choice.delta.tool_calls {
                while self.calls.len() <= piece.index {
                    self.calls.push(ToolCall {
                        id: String::new(),
                        kind: "function".to_owned(),
                        function: FunctionCall {
                            name: String::new(),
                            arguments: String::new(),
                        },
                    });
                }
                let Some(call) = self.calls.get_mut(piece.index) else {
                    continue;
                };
                if let Some(id) = piece.id {
                    call.id = id;
                }
                if let Some(function) = piece.function {
                    if let Some(name) = function.name {
                        call.function.name.push_str(&name);
                    }
                    if let Some(arguments) = function.arguments {
                        call.function.arguments.push_str(&arguments);
                    }
                }
            }
            if choice.finish_reason.is_some() {
                self.completion.finish_reason = choice.finish_reason;
            }
        }
        self.completion.content.push_str(&added);
        Ok((!added.is_empty()).then_some(added))
    }

    pub fn finish(mut self) -> Completion {
        self.completion.tool_calls = self
            .calls
            .into_iter()
            .filter(|call| !call.function.name.is_empty())
            .collect();
        self.completion
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads_are_joined() {
        let mut decoder = SseDecoder::default();
        assert!(decoder.push(b"data: {\"a\"").is_empty());
        assert_eq!(
            decoder.push(b":1}\n\n: comment\n\ndata: [DONE]\n\n"),
            vec![SseEvent::Data("{\"a\":1}".to_owned()), SseEvent::Done]
        );
    }

    #[test]
    fn tool_call_pieces_are_assembled_by_index() {
        let mut builder = CompletionBuilder::new("m");
        builder
            .apply(r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"search_contacts","arguments":"{\"qu"}}]}}]}"#)
            .unwrap();
        builder
            .apply(r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ery\":\"ann\"}"}}]},"finish_reason":"tool_calls"}]}"#)
            .unwrap();
        let completion = builder.finish();
        assert_eq!(completion.tool_calls.len(), 1);
        assert_eq!(
            completion.tool_calls[0].function.arguments,
            r#"{"query":"ann"}"#
        );
        assert_eq!(completion.finish_reason.as_deref(), Some("tool_calls"));
    }
}
