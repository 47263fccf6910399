//! The loopback redirect of RFC 8252 §7.3: a one-shot HTTP listener on 127.0.0.1 with a port the
//! OS picks, which receives the browser's redirect back from the consent screen, answers it with
//! a small page, and hands the query to the sign-in flow.
//!
//! Only `127.0.0.1` is bound (not `localhost`, which may resolve to another interface or to IPv6
//! first), and only the first answer on the callback path counts: the listener stops after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use oauth2::url::Url;
use omnicrm_core::{Error, ErrorCode, Result};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The path the browser is redirected to.
pub const CALLBACK_PATH: &str = "/oauth2/callback";

/// How long the listener may take to finish answering the browser once the redirect is in.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What the redirect carried: the query parameters, as sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Redirect {
    pub parameters: HashMap<String, String>,
}

impl Redirect {
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }
}

impl std::fmt::Debug for Redirect {
    /// The authorization code is a credential: only the parameter names are shown.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.parameters.keys().map(String::as_str).collect();
        names.sort_unstable();
        formatter
            .debug_struct("Redirect")
            .field("parameters", &names)
            .finish()
    }
}

/// A bound listener waiting for one redirect.
pub struct LoopbackListener {
    listener: TcpListener,
    redirect_url: Url,
}

/// Tells the browser what happened, in plain words.
pub type PageFor = Box<dyn Fn(&Redirect) -> String + Send + Sync>;

impl LoopbackListener {
    /// Binds 127.0.0.1 on a port the OS picks.
    pub async fn bind() -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|error| Error::io("could not listen on 127.0.0.1 for the sign-in", &error))?;
        let port = listener
            .local_addr()
            .map_err(|error| Error::io("could not read the sign-in listener's port", &error))?
            .port();
        let redirect_url = Url::parse(&format!("http://127.0.0.1:{port}{CALLBACK_PATH}"))
            .map_err(|error| Error::internal(format!("bad loopback redirect URL: {error}")))?;
        Ok(Self {
            listener,
            redirect_url,
        })
    }

    /// The redirect URI to register in the authorization request.
    pub fn redirect_url(&self) -> &Url {
        &self.redirect_url
    }

    /// Serves until the first request on [`CALLBACK_PATH`] arrives or `timeout` passes. The
    /// browser gets the page `page_for` makes for that redirect; requests on other paths (the
    /// browser's favicon) get a 404 and are otherwise ignored.
    pub async fn wait_for_redirect(self, timeout: Duration, page_for: PageFor) -> Result<Redirect> {
        let (sender, receiver) = oneshot::channel::<Redirect>();
        let state = CallbackState {
            sender: Arc::new(Mutex::new(Some(sender))),
            page_for: Arc::new(page_for),
        };
        let router = Router::new()
            .route(CALLBACK_PATH, get(callback))
            .with_state(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(self.listener, router)
                .with_graceful_shutdown(async {
                    // Either a stop signal or the sender being dropped ends the server.
                    if stopped.await.is_err() {
                        tracing::debug!("sign-in listener stopped without a signal");
                    }
                })
                .await
        });
        let outcome = tokio::time::timeout(timeout, receiver).await;
        if stop.send(()).is_err() {
            tracing::debug!("the sign-in listener had already stopped");
        }
        // Let the browser receive its page; a connection the browser keeps open does not hold
        // the sign-in up for longer than the grace period.
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "the sign-in listener failed"),
            Ok(Err(error)) => tracing::warn!(%error, "the sign-in listener task failed"),
            Err(_) => tracing::debug!("the sign-in listener was still closing; left behind"),
        }
        match outcome {
            Ok(Ok(redirect)) => Ok(redirect),
            Ok(Err(_)) => Err(Error::internal(
                "the sign-in listener stopped before the browser came back",
            )),
            Err(_) => Err(Error::new(
                ErrorCode::Cancelled,
                format!(
                    "Sign-in was not finished within {} minutes, so it was stopped. Connect again \
                     and finish signing in in the browser.",
                    timeout.as_secs().div_ceil(60)
                ),
            )),
        }
    }
}

#[derive(Clone)]
struct CallbackState {
    sender: Arc<Mutex<Option<oneshot::Sender<Redirect>>>>,
    page_for: Arc<PageFor>,
}

#[tracing::instrument(skip_all)]
async fn callback(
    State(state): State<CallbackState>,
    Query(parameters): Query<HashMap<String, String>>,
) -> Html<String> {
    let redirect = Redirect { parameters };
    let sender = match state.sender.lock() {
        Ok(mut slot) => slot.take(),
        Err(_) => None,
    };
    let Some(sender) = sender else {
        return Html(page(
            "Sign-in already finished",
            "OmniCRM already received an answer for this sign-in. You can close this tab.",
        ));
    };
    let body = (state.page_for)(&redirect);
    if sender.send(redirect).is_err() {
        tracing::debug!("the sign-in stopped waiting before the redirect arrived");
    }
    Html(body)
}

/// A small self-contained page (no scripts, no outside resources).
pub fn page(title: &str, message: &str) -> String {
    let title = html_escape::encode_text(title);
    let message = html_escape::encode_text(message);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} · OmniCRM</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
         padding:0 1rem;color:#1f2937}}h1{{font-size:1.4rem}}</style></head>\
         <body><h1>{title}</h1><p>{message}</p></body></html>"
    )
}
