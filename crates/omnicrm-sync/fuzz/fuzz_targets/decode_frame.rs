//! Any bytes a client can send as a WebSocket frame: the decoder returns a message or an
//! error, never panics, and what it accepts survives encoding and decoding again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnicrm_sync::protocol::Message;

const LIMIT: usize = 1 << 20;

fuzz_target!(|frame: &[u8]| {
    if let Ok(message) = Message::decode(frame, LIMIT) {
        let encoded = message.encode();
        match Message::decode(&encoded, usize::MAX) {
            Ok(again) => assert_eq!(again, message, "a decoded message changed on re-encoding"),
            Err(error) => panic!("a decoded message did not decode after re-encoding: {error}"),
        }
    }
});
