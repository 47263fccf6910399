//! `omnicrm-google-fake-server [--port N] [--token T] [--email E] [--messages N] [--events N]`:
//! serves the fake Gmail and Calendar APIs on loopback until interrupted, printing its base URL
//! on the first line. Controls live under `/_fake/` (see the library docs).

use std::net::SocketAddr;

use omnicrm_google_fake_server::{FakeConfig, FakeGoogleServer};

struct Options {
    port: u16,
    token: String,
    email: String,
    messages: usize,
    events: usize,
}

fn parse(arguments: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        token: "fake-access-token".to_owned(),
        email: "me@practice.example".to_owned(),
        messages: 0,
        events: 0,
    };
    let mut arguments = arguments;
    while let Some(flag) = arguments.next() {
        let value = arguments
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--port" => {
                options.port = value.parse().map_err(|_| "--port: not a port".to_owned())?
            }
            "--token" => options.token = value.clone(),
            "--email" => options.email = value.clone(),
            "--messages" => options.messages = number()?,
            "--events" => options.events = number()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("omnicrm-google-fake-server: {message}");
            std::process::exit(2);
        }
    };
    let mut config = FakeConfig::new(&options.token, &options.email);
    config.address = SocketAddr::from(([127, 0, 0, 1], options.port));
    let server = match FakeGoogleServer::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("omnicrm-google-fake-server: could not listen: {error}");
            std::process::exit(1);
        }
    };
    server.control().seed_messages(options.messages, 200);
    server.control().seed_events(options.events, 200);
    println!("{}", server.base_url);
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("omnicrm-google-fake-server: {error}");
    }
    server.stop().await;
}
