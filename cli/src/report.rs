//! How an error reaches the person at the terminal: one line of cause, then one line of what to
//! do. Library errors often repeat their source in their own text (`cannot encode: X` whose
//! source is `X`), so the chain is folded, dropping every cause already said.
//!
//! The CLI writes "what to do" as a second line of an error's message (`"cause\nwhat to do"`);
//! the outermost such line wins.

use floe_sdk::FlowError;

use crate::amount::format_wal;

/// Explains flow errors in the user's terms: Move aborts by name with a hint, amounts in WAL.
/// The message's second line says what to do (see `report`).
pub fn explain(error: FlowError) -> anyhow::Error {
    match &error {
        FlowError::Client(client) => {
            if let floe_sdk::ClientError::ExecutionFailed(failure) = client
                && let Some(abort) = failure.floe_abort()
            {
                let function = failure
                    .abort
                    .as_ref()
                    .and_then(|a| a.function.as_deref())
                    .map(|f| format!("::{f}"))
                    .unwrap_or_default();
                return anyhow::anyhow!(
                    "transaction {} aborted in floe::{}{function} with {} (code {}); gas was charged, nothing else changed\n{}",
                    failure.digest,
                    abort.module,
                    abort.name,
                    abort.code,
                    abort.hint
                );
            }
            if matches!(
                client,
                floe_sdk::ClientError::ObjectNotFound(_) | floe_sdk::ClientError::NotFound(_)
            ) {
                return anyhow::anyhow!(
                    "{error}\ncheck the ID: it names no object on this network"
                );
            }
            anyhow::anyhow!("{error}\nis the network running? (`floe up`, or pass --network FILE)")
        }
        FlowError::InsufficientWal { needed, available } => anyhow::anyhow!(
            "not enough WAL: this needs {} WAL and the account holds {} WAL\n\
             get more with `floe account fund --wal {}` (or sign as another account with --as)",
            format_wal(*needed),
            format_wal(*available),
            format_wal(
                needed
                    .saturating_sub(*available)
                    .max(1_000_000_000)
                    .div_ceil(1_000_000_000)
                    * 1_000_000_000
            ),
        ),
        _ => anyhow::Error::new(error),
    }
}

/// The cause line and the what-to-do line of `error`.
pub fn render(error: &anyhow::Error) -> (String, Option<String>) {
    let mut cause = String::new();
    let mut todo: Option<String> = None;
    for link in error.chain() {
        let text = link.to_string();
        let (head, tail) = match text.split_once('\n') {
            Some((head, tail)) => (head.trim().to_owned(), Some(tail.trim().to_owned())),
            None => (text.trim().to_owned(), None),
        };
        if todo.is_none() {
            todo = tail.filter(|t| !t.is_empty());
        }
        if head.is_empty() || cause.contains(&head) {
            continue;
        }
        if cause.is_empty() {
            cause = head;
        } else {
            cause.push_str(": ");
            cause.push_str(&head);
        }
    }
    (cause, todo)
}

/// `error: cause` and, when known, an indented line of what to do.
pub fn print(error: &anyhow::Error) {
    let (cause, todo) = render(error);
    eprintln!("error: {cause}");
    if let Some(todo) = todo {
        eprintln!("  {todo}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("a blob of 5 bytes is too large")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot encode the blob: {0}")]
    struct Outer(#[source] Inner);

    #[test]
    fn a_cause_repeated_by_its_wrapper_is_said_once() {
        let error = anyhow::Error::new(Outer(Inner)).context("storing model.bin");
        let (cause, todo) = render(&error);
        assert_eq!(
            cause,
            "storing model.bin: cannot encode the blob: a blob of 5 bytes is too large"
        );
        assert_eq!(todo, None);
    }

    #[test]
    fn the_outermost_what_to_do_line_wins() {
        let error =
            anyhow::anyhow!("inner cause\ninner advice").context("outer cause\nouter advice");
        assert_eq!(
            render(&error),
            (
                "outer cause: inner cause".to_owned(),
                Some("outer advice".to_owned())
            )
        );
    }
}
