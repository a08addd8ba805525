//! gRPC `LedgerService.ListTransactions` and `ListEvents`: the queries behind the SDK's
//! `SuiGrpcClient.listTransactions` / `listEvents` (a dapp's history and event feeds).
//!
//! Both scan the ledger's transactions in execution order, the order JSON-RPC's
//! `suix_queryTransactionBlocks` and `suix_queryEvents` page through, so the two APIs list the
//! same items. Executed transactions are listed before they are sealed in a checkpoint (a
//! devnet client reads its own writes at once); a checkpoint range (`start_checkpoint`,
//! `end_checkpoint`) counts such a transaction as past the latest checkpoint.
//!
//! Cursors are ledger positions, opaque to clients: a transaction's is its place in execution
//! order plus one, 8 bytes big-endian; an event's is its transaction's followed by its index in
//! the transaction plus one, 4 bytes big-endian. Position 0 lies before everything. Answers
//! follow Sui's frame protocol: one frame per matching item whose watermark is the item's
//! cursor, and a last frame that says why the answer ends: `ItemLimit` on the last item when
//! more matches remain, else an item-less frame naming the bound reached (`LedgerTip`,
//! `CursorBound`, `CheckpointBound`) whose cursor resumes after everything scanned. Item
//! frames carry no watermark checkpoint; final frames carry it when their bound is a whole
//! checkpoint.

use std::str::FromStr as _;

use sui_rpc::field::FieldMaskTree;
use sui_rpc::merge::Merge as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Command, ObjectIn, ObjectOut, Owner, StructTag, TransactionEffects};
use tonic::Status;

use crate::ledger::{Ledger, TxEntry};

/// Items one answer returns when the request sets no limit, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 1000;

/// A ledger position: a transaction's place (plus one) in the high 64 bits, an event's index
/// in it (plus one) in the low 32, 0 for the transaction itself.
type Position = u128;

fn transaction_position(index: usize) -> Position {
    (index as Position + 1) << 32
}

/// What is listed, which fixes the cursor's encoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Transactions,
    Events,
}

impl Kind {
    fn encode(self, position: Position) -> prost::bytes::Bytes {
        let transaction = ((position >> 32) as u64).to_be_bytes();
        match self {
            Kind::Transactions => transaction.to_vec().into(),
            Kind::Events => {
                let mut bytes = transaction.to_vec();
                bytes.extend_from_slice(&(position as u32).to_be_bytes());
                bytes.into()
            }
        }
    }

    fn decode(self, bytes: &[u8], field: &str) -> Result<Position, Status> {
        let refuse =
            || Status::invalid_argument(format!("`{field}` is not a cursor this server issued"));
        match (self, bytes.len()) {
            (Kind::Transactions, 8) => {
                let transaction = u64::from_be_bytes(bytes.try_into().map_err(|_| refuse())?);
                Ok(Position::from(transaction) << 32)
            }
            (Kind::Events, 12) => {
                let transaction = u64::from_be_bytes(bytes[..8].try_into().map_err(|_| refuse())?);
                let event = u32::from_be_bytes(bytes[8..].try_into().map_err(|_| refuse())?);
                Ok((Position::from(transaction) << 32) | Position::from(event))
            }
            _ => Err(refuse()),
        }
    }
}

/// The request's bounds and paging, decoded.
struct Query {
    kind: Kind,
    limit: usize,
    descending: bool,
    after: Option<Position>,
    before: Option<Position>,
    start_checkpoint: Option<u64>,
    end_checkpoint: Option<u64>,
}

impl Query {
    fn new(
        kind: Kind,
        options: Option<&proto::QueryOptions>,
        start_checkpoint: Option<u64>,
        end_checkpoint: Option<u64>,
    ) -> Result<Self, Status> {
        let options = options.cloned().unwrap_or_default();
        let limit = match options.limit {
            None | Some(0) => DEFAULT_LIMIT,
            Some(limit) => limit.min(MAX_LIMIT),
        } as usize;
        let after = options
            .after
            .as_deref()
            .map(|b| kind.decode(b, "options.after"))
            .transpose()?;
        let before = options
            .before
            .as_deref()
            .map(|b| kind.decode(b, "options.before"))
            .transpose()?;
        Ok(Self {
            kind,
            limit,
            descending: options.ordering == Some(proto::Ordering::Descending as i32),
            after,
            before,
            start_checkpoint,
            end_checkpoint,
        })
    }

    /// Whether a transaction sealed in `checkpoint` (`None`: not yet) lies in the checkpoint
    /// range; an unsealed one counts as past the latest checkpoint.
    fn checkpoint_in_range(&self, checkpoint: Option<u64>) -> bool {
        let checkpoint = checkpoint.unwrap_or(u64::MAX);
        self.start_checkpoint.is_none_or(|s| checkpoint >= s)
            && self.end_checkpoint.is_none_or(|e| checkpoint < e)
    }

    fn cursor_in_range(&self, position: Position) -> bool {
        self.after.is_none_or(|a| position > a) && self.before.is_none_or(|b| position < b)
    }
}

/// One matching item and its position.
struct Found<T> {
    position: Position,
    item: T,
}

/// A scan's outcome: the matching items in ascending order, and the lowest and highest
/// position it looked at inside the bounds.
struct Scan<T> {
    found: Vec<Found<T>>,
    lowest: Option<Position>,
    highest: Option<Position>,
    /// The position of the first transaction at or past `end_checkpoint` (unsealed counts),
    /// and of the last one before `start_checkpoint`: where a checkpoint bound cuts the scan.
    end_checkpoint_at: Option<Position>,
    start_checkpoint_at: Option<Position>,
}

impl<T> Scan<T> {
    fn new() -> Self {
        Self {
            found: Vec::new(),
            lowest: None,
            highest: None,
            end_checkpoint_at: None,
            start_checkpoint_at: None,
        }
    }

    fn saw(&mut self, position: Position) {
        self.lowest = Some(self.lowest.map_or(position, |l| l.min(position)));
        self.highest = Some(self.highest.map_or(position, |h| h.max(position)));
    }
}

/// A frame: the item (if any), its watermark, and the end reason (if last).
struct Frame<T> {
    item: Option<T>,
    watermark: proto::Watermark,
    end: Option<proto::QueryEndReason>,
}

fn watermark(kind: Kind, position: Position, checkpoint: Option<u64>) -> proto::Watermark {
    let mut watermark = proto::Watermark::default();
    watermark.cursor = Some(kind.encode(position));
    watermark.checkpoint = checkpoint;
    watermark
}

fn end(reason: proto::QueryEndReason) -> proto::QueryEnd {
    let mut end = proto::QueryEnd::default();
    end.reason = Some(reason as i32);
    end
}

/// The frames answering `query` from `scan`; `tip` is the latest sealed checkpoint.
fn frames<T>(query: &Query, scan: Scan<T>, tip: Option<u64>) -> Vec<Frame<T>> {
    use proto::QueryEndReason as End;
    let kind = query.kind;
    let more = scan.found.len() > query.limit;
    let mut found = scan.found;
    if query.descending {
        found.reverse();
    }
    let mut frames: Vec<Frame<T>> = found
        .into_iter()
        .take(query.limit)
        .map(|f| Frame {
            item: Some(f.item),
            watermark: watermark(kind, f.position, None),
            end: None,
        })
        .collect();
    if more {
        if let Some(last) = frames.last_mut() {
            last.end = Some(End::ItemLimit);
        }
        return frames;
    }
    // The scan ran into a bound: the tighter of the cursor and the checkpoint bound on the
    // side it ran towards, else the ledger's tip (ascending) or genesis (descending).
    let (position, checkpoint, reason) = if query.descending {
        match (query.after, scan.start_checkpoint_at) {
            (Some(after), at) if at.is_none_or(|at| after >= at) => (after, None, End::CursorBound),
            _ => (
                scan.lowest.or(query.before).unwrap_or(0),
                Some(query.start_checkpoint.unwrap_or(0)),
                End::CheckpointBound,
            ),
        }
    } else {
        match (query.before, scan.end_checkpoint_at) {
            (Some(before), at) if at.is_none_or(|at| before <= at) => {
                (before, None, End::CursorBound)
            }
            (_, Some(_)) => (
                scan.highest.or(query.after).unwrap_or(0),
                query.end_checkpoint.and_then(|e| e.checked_sub(1)),
                End::CheckpointBound,
            ),
            (_, None) => (
                scan.highest.or(query.after).unwrap_or(0),
                tip,
                End::LedgerTip,
            ),
        }
    };
    frames.push(Frame {
        item: None,
        watermark: watermark(kind, position, checkpoint),
        end: Some(reason),
    });
    frames
}

/// Walks the ledger's transactions in order within the query's bounds, calling `visit` with
/// each one's index and entry, after noting where the checkpoint bounds cut.
fn walk<'l, T>(
    ledger: &'l Ledger,
    query: &Query,
    scan: &mut Scan<T>,
    mut visit: impl FnMut(&mut Scan<T>, usize, &'l TxEntry) -> Result<(), Status>,
) -> Result<(), Status> {
    for (index, entry) in ledger.transactions_in_order().enumerate() {
        let position = transaction_position(index);
        if !query.checkpoint_in_range(entry.checkpoint) {
            let checkpoint = entry.checkpoint.unwrap_or(u64::MAX);
            if query.end_checkpoint.is_some_and(|e| checkpoint >= e) {
                scan.end_checkpoint_at.get_or_insert(position);
            } else {
                scan.start_checkpoint_at = Some(position | 0xffff_ffff);
            }
            continue;
        }
        visit(scan, index, entry)?;
    }
    Ok(())
}

/// `ListTransactions`.
pub fn list_transactions(
    ledger: &Ledger,
    request: &proto::ListTransactionsRequest,
    mask: &FieldMaskTree,
    render: impl Fn(&TxEntry) -> proto::ExecutedTransaction,
) -> Result<Vec<proto::ListTransactionsResponse>, Status> {
    let query = Query::new(
        Kind::Transactions,
        request.options.as_ref(),
        request.start_checkpoint,
        request.end_checkpoint,
    )?;
    let filter = request.filter.as_ref();
    if filter.is_some_and(|f| f.terms.is_empty()) {
        return Err(Status::invalid_argument(
            "`filter` has no terms: leave it out to list every transaction",
        ));
    }
    let mut scan = Scan::new();
    walk(ledger, &query, &mut scan, |scan, index, entry| {
        let position = transaction_position(index);
        if !query.cursor_in_range(position) {
            return Ok(());
        }
        scan.saw(position);
        let matched = match filter {
            None => true,
            Some(filter) => any_term(
                &filter.terms,
                |t| &t.literals,
                |literal| transaction_literal(literal, entry),
            )?,
        };
        if matched {
            scan.found.push(Found {
                position,
                item: entry,
            });
        }
        Ok(())
    })?;
    let tip = ledger
        .latest_checkpoint()
        .map(|c| c.summary.sequence_number);
    Ok(frames(&query, scan, tip)
        .into_iter()
        .map(|frame| {
            let mut response = proto::ListTransactionsResponse::default();
            response.transaction = frame.item.map(|entry| {
                let mut message = render(entry);
                entry.place(&mut message, mask);
                message
            });
            response.watermark = Some(frame.watermark);
            response.end = frame.end.map(end);
            response
        })
        .collect())
}

/// `ListEvents`.
pub fn list_events(
    ledger: &Ledger,
    request: &proto::ListEventsRequest,
    mask: &FieldMaskTree,
) -> Result<Vec<proto::ListEventsResponse>, Status> {
    let query = Query::new(
        Kind::Events,
        request.options.as_ref(),
        request.start_checkpoint,
        request.end_checkpoint,
    )?;
    let filter = request.filter.as_ref();
    if filter.is_some_and(|f| f.terms.is_empty()) {
        return Err(Status::invalid_argument(
            "`filter` has no terms: leave it out to list every event",
        ));
    }
    let mut scan = Scan::new();
    walk(ledger, &query, &mut scan, |scan, index, entry| {
        let Some(events) = &entry.record.events else {
            return Ok(());
        };
        for (n, event) in events.0.iter().enumerate() {
            let position = transaction_position(index) | (n as Position + 1);
            if !query.cursor_in_range(position) {
                continue;
            }
            scan.saw(position);
            let matched = match filter {
                None => true,
                Some(filter) => any_term(
                    &filter.terms,
                    |t| &t.literals,
                    |literal| event_literal(literal, event),
                )?,
            };
            if matched {
                scan.found.push(Found {
                    position,
                    item: (entry, n, event),
                });
            }
        }
        Ok(())
    })?;
    let tip = ledger
        .latest_checkpoint()
        .map(|c| c.summary.sequence_number);
    Ok(frames(&query, scan, tip)
        .into_iter()
        .map(|frame| {
            let mut response = proto::ListEventsResponse::default();
            response.event = frame
                .item
                .map(|(entry, n, event)| event_message(entry, n, event, mask));
            response.watermark = Some(frame.watermark);
            response.end = frame.end.map(end);
            response
        })
        .collect())
}

/// An event as `ListEvents` returns it, cut to `mask`: its fields, Sui's JSON of its value,
/// and where it sits (checkpoint and index there once sealed, transaction, index in it).
fn event_message(
    entry: &TxEntry,
    index: usize,
    event: &sui_sdk_types::Event,
    mask: &FieldMaskTree,
) -> proto::Event {
    let mut message = proto::Event::merge_from(event.clone(), mask);
    if mask.contains(proto::Event::JSON_FIELD.name) {
        message.json = crate::render::struct_json(&event.type_, &event.contents)
            .map(|v| Box::new(crate::render::to_prost(&v)));
    }
    if mask.contains(proto::Event::CHECKPOINT_FIELD.name) {
        message.checkpoint = entry.checkpoint;
    }
    if mask.contains(proto::Event::TRANSACTION_DIGEST_FIELD.name) {
        message.transaction_digest = Some(entry.record.digest().to_string());
    }
    if mask.contains(proto::Event::TRANSACTION_INDEX_FIELD.name) {
        message.transaction_index = entry.index_in_checkpoint();
    }
    if mask.contains(proto::Event::EVENT_INDEX_FIELD.name) {
        message.event_index = Some(index as u32);
    }
    message
}

/// A DNF filter: any term whose literals all hold.
fn any_term<Term, Literal>(
    terms: &[Term],
    literals: impl Fn(&Term) -> &Vec<Literal>,
    holds: impl Fn(&Literal) -> Result<bool, Status>,
) -> Result<bool, Status> {
    for term in terms {
        let mut all = true;
        for literal in literals(term) {
            if !holds(literal)? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(true);
        }
    }
    Ok(false)
}

fn address(value: Option<&str>, field: &str) -> Result<Address, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("`{field}` is required")))?;
    Address::from_str(value).map_err(|e| {
        Status::invalid_argument(format!("`{field}` {value:?} is not an address: {e}"))
    })
}

/// A `package[::module[::name]]` path: the package and the rest, at most `parts` long.
fn move_path<'p>(
    value: Option<&'p str>,
    field: &str,
    parts: usize,
) -> Result<(Address, Vec<&'p str>), Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("`{field}` is required")))?;
    let mut segments = value.split("::");
    let package = address(segments.next(), field)?;
    let rest: Vec<&str> = segments.collect();
    if rest.len() >= parts || rest.iter().any(|s| s.is_empty()) {
        return Err(Status::invalid_argument(format!(
            "`{field}` {value:?} is not a Move path `package[::module{}]`",
            if parts > 2 { "[::name]" } else { "" }
        )));
    }
    Ok((package, rest))
}

/// An `EventTypeFilter`: an address, a module, a type name (any instantiation) or a full type.
fn event_type_matches(filter: &proto::EventTypeFilter, ty: &StructTag) -> Result<bool, Status> {
    let value = filter.event_type.as_deref();
    if let Some(full) = value.filter(|v| v.contains('<')) {
        let wanted = StructTag::from_str(full).map_err(|e| {
            Status::invalid_argument(format!("`event_type` {full:?} is not a Move type: {e}"))
        })?;
        return Ok(*ty == wanted);
    }
    let (address, rest) = move_path(value, "event_type", 3)?;
    Ok(*ty.address() == address
        && rest.first().is_none_or(|m| ty.module().as_str() == *m)
        && rest.get(1).is_none_or(|n| ty.name().as_str() == *n))
}

/// An `EmitModuleFilter`: the package (and module) of the call that emitted the event.
fn emit_module_matches(
    filter: &proto::EmitModuleFilter,
    event: &sui_sdk_types::Event,
) -> Result<bool, Status> {
    let (package, rest) = move_path(filter.module.as_deref(), "module", 2)?;
    Ok(event.package_id == package && rest.first().is_none_or(|m| event.module.as_str() == *m))
}

fn missing_predicate() -> Status {
    Status::invalid_argument("a filter literal has no predicate")
}

/// One event literal.
fn event_literal(
    literal: &proto::EventLiteral,
    event: &sui_sdk_types::Event,
) -> Result<bool, Status> {
    use proto::event_literal::Predicate;
    let holds = match literal.predicate.as_ref().ok_or_else(missing_predicate)? {
        Predicate::Sender(s) => event.sender == address(s.address.as_deref(), "sender")?,
        Predicate::EmitModule(m) => emit_module_matches(m, event)?,
        Predicate::EventType(t) => event_type_matches(t, &event.type_)?,
        // The devnet keeps no authenticated event streams: no event is committed to one.
        Predicate::EventStreamHead(_) => false,
        _ => {
            return Err(Status::invalid_argument(
                "an event predicate this server does not know",
            ));
        }
    };
    Ok(holds != literal.negated)
}

/// One transaction literal.
fn transaction_literal(
    literal: &proto::TransactionLiteral,
    entry: &TxEntry,
) -> Result<bool, Status> {
    use proto::transaction_literal::Predicate;
    let record = &entry.record;
    let changes = match &record.effects {
        TransactionEffects::V2(fx) => fx.changed_objects.as_slice(),
        _ => &[],
    };
    let events = record.events.as_ref().map_or(&[][..], |e| e.0.as_slice());
    let holds = match literal.predicate.as_ref().ok_or_else(missing_predicate)? {
        Predicate::Sender(s) => {
            record.transaction.sender == address(s.address.as_deref(), "sender")?
        }
        Predicate::AffectedAddress(a) => {
            let wanted = address(a.address.as_deref(), "address")?;
            let owned_by = |owner: &Owner| match owner {
                Owner::Address(a) | Owner::ConsensusAddress { owner: a, .. } => *a == wanted,
                _ => false,
            };
            changes.iter().any(|c| {
                matches!(&c.input_state, ObjectIn::Exist { owner, .. } if owned_by(owner))
                    || matches!(&c.output_state, ObjectOut::ObjectWrite { owner, .. } if owned_by(owner))
            })
        }
        Predicate::AffectedObject(o) => {
            let wanted = address(o.object_id.as_deref(), "object_id")?;
            changes.iter().any(|c| c.object_id == wanted)
        }
        Predicate::MoveCall(m) => {
            let (package, rest) = move_path(m.function.as_deref(), "function", 3)?;
            match &record.transaction.kind {
                sui_sdk_types::TransactionKind::ProgrammableTransaction(ptb) => {
                    ptb.commands.iter().any(|c| match c {
                        Command::MoveCall(call) => {
                            call.package == package
                                && rest.first().is_none_or(|m| call.module.as_str() == *m)
                                && rest.get(1).is_none_or(|f| call.function.as_str() == *f)
                        }
                        _ => false,
                    })
                }
                _ => false,
            }
        }
        Predicate::EmitModule(m) => {
            let mut any = false;
            for event in events {
                if emit_module_matches(m, event)? {
                    any = true;
                    break;
                }
            }
            any
        }
        Predicate::EventType(t) => {
            let mut any = false;
            for event in events {
                if event_type_matches(t, &event.type_)? {
                    any = true;
                    break;
                }
            }
            any
        }
        Predicate::EventStreamHead(_) => false,
        Predicate::PackageWrite(_) => changes
            .iter()
            .any(|c| matches!(c.output_state, ObjectOut::PackageWrite { .. })),
        _ => {
            return Err(Status::invalid_argument(
                "a transaction predicate this server does not know",
            ));
        }
    };
    Ok(holds != literal.negated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(descending: bool, limit: usize) -> Query {
        Query {
            kind: Kind::Transactions,
            limit,
            descending,
            after: None,
            before: None,
            start_checkpoint: None,
            end_checkpoint: None,
        }
    }

    fn scan(positions: &[usize]) -> Scan<usize> {
        let mut scan = Scan::new();
        for &i in positions {
            let position = transaction_position(i);
            scan.saw(position);
            scan.found.push(Found { position, item: i });
        }
        scan
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_lengths() {
        let tx = transaction_position(41);
        assert_eq!(
            Kind::Transactions
                .decode(&Kind::Transactions.encode(tx), "c")
                .unwrap(),
            tx
        );
        let event = tx | 3;
        assert_eq!(
            Kind::Events
                .decode(&Kind::Events.encode(event), "c")
                .unwrap(),
            event
        );
        assert!(
            Kind::Events
                .decode(&Kind::Transactions.encode(tx), "c")
                .is_err()
        );
        assert!(Kind::Transactions.decode(&[1, 2, 3], "c").is_err());
    }

    #[test]
    fn a_full_page_ends_with_item_limit_on_its_last_item() {
        let frames = frames(&query(false, 2), scan(&[0, 1, 2]), Some(7));
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].item, Some(1));
        assert_eq!(frames[1].end, Some(proto::QueryEndReason::ItemLimit));
        // Resuming after the last item's cursor lists the rest.
        let mut next = query(false, 2);
        next.after = Some(
            Kind::Transactions
                .decode(frames[1].watermark.cursor.as_ref().unwrap(), "c")
                .unwrap(),
        );
        let rest: Vec<usize> = [0, 1, 2]
            .into_iter()
            .filter(|&i| next.cursor_in_range(transaction_position(i)))
            .collect();
        assert_eq!(rest, vec![2]);
    }

    #[test]
    fn the_last_page_ends_at_the_tip_or_at_genesis() {
        let up = frames(&query(false, 5), scan(&[0, 1, 2]), Some(7));
        assert_eq!(up.len(), 4);
        let last = up.last().unwrap();
        assert_eq!(
            (last.item, last.end),
            (None, Some(proto::QueryEndReason::LedgerTip))
        );
        assert_eq!(last.watermark.checkpoint, Some(7));
        assert_eq!(
            last.watermark.cursor,
            Some(Kind::Transactions.encode(transaction_position(2)))
        );
        let down = frames(&query(true, 5), scan(&[0, 1, 2]), Some(7));
        let items: Vec<_> = down.iter().filter_map(|f| f.item).collect();
        assert_eq!(items, vec![2, 1, 0]);
        let last = down.last().unwrap();
        assert_eq!(last.end, Some(proto::QueryEndReason::CheckpointBound));
        assert_eq!(
            last.watermark.cursor,
            Some(Kind::Transactions.encode(transaction_position(0)))
        );
    }

    #[test]
    fn a_cursor_bound_is_echoed() {
        let mut q = query(false, 5);
        q.before = Some(transaction_position(2));
        let last = frames(&q, scan(&[0, 1]), Some(7)).pop().unwrap();
        assert_eq!(last.end, Some(proto::QueryEndReason::CursorBound));
        assert_eq!(
            last.watermark.cursor,
            Some(Kind::Transactions.encode(transaction_position(2)))
        );
    }

    #[test]
    fn event_types_match_by_address_module_name_or_full_type() {
        let ty = StructTag::from_str("0xf10e::events::Moved<0x2::sui::SUI>").unwrap();
        let filter = |s: &str| {
            let mut f = proto::EventTypeFilter::default();
            f.event_type = Some(s.to_owned());
            event_type_matches(&f, &ty).unwrap()
        };
        assert!(filter("0xf10e"));
        assert!(filter("0xf10e::events"));
        assert!(filter("0xf10e::events::Moved"));
        assert!(filter("0xf10e::events::Moved<0x2::sui::SUI>"));
        assert!(!filter("0xf10e::events::Moved<u64>"));
        assert!(!filter("0xf10e::other"));
        assert!(!filter("0x2::events::Moved"));
    }
}
