//! `floe::service` on the devnet: paid, composable model calls. A three-service chain
//! (summarize → classify → render) in one programmable transaction, each call paid exactly
//! into its service's escrow and linked to the previous one; answers by the services'
//! providers that settle each call (fee burned, the rest to the model, whose dataset share a
//! contributor claims); refunds of unanswered calls to their payer after the deadline; the
//! model's buyer taking a service over. And the attacks: paying less, a service repriced above
//! the caller's `max_price`, a paused service, answering a call twice (or one never made, as
//! someone else, with another model, late, after a refund), refunding as a stranger, early or
//! twice, a stranger's cap, the seller's voided cap, creating or taking over a service of a
//! model one does not own. Abort codes are read from the Move source.
//!
//! Passing one `Call` receipt to two calls of a transaction is refused as on Sui (the receipt
//! has no `copy`, so its first use moves it): `tests/moved_values.rs`.
#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

mod support;

use floe_devnet::floe::genesis::NetworkGenesis;
use floe_sdk::move_aborts;
use floe_sdk::move_types::events::{
    ContributionAdded, ContributionClaimed, DatasetCreated, ModelRegistered, ServiceCallRefunded,
    ServiceCalled, ServiceCapReplaced, ServiceCreated, ServiceResponded, WalBurned,
};
use floe_sdk::move_types::model::Model;
use floe_sdk::move_types::service::{Call, ModelService};
use floe_sdk::move_types::wal::Treasury;
use floe_sdk::move_types::{self, ID};
use sui_sdk_types::{Address, Owner};
use support::{Arg, Chain, Cmd, Failure, Outcome, call, plant_blob, u256};

const HOUR_MS: u64 = 3_600_000;
const WAL: u64 = 1_000_000_000;
/// The three services' prices: summarize, classify, render.
const PRICES: [u64; 3] = [3 * WAL, 5 * WAL, 7 * WAL];
/// The providers' response window: one minute.
const WINDOW_MS: u64 = 60_000;
/// The default license fee, basis points.
const FEE_BPS: u64 = 500;
const HASH: [u8; 32] = [0xcc; 32];

fn addr(id: &ID) -> Address {
    move_types::address_of(id)
}

fn fee(price: u64) -> u64 {
    price * FEE_BPS / 10_000
}

fn assert_abort<T: std::fmt::Debug>(result: Result<T, Failure>, code: u64) {
    let name = support::abort_name("service", code);
    match result {
        Ok(ok) => panic!("expected service::{name}, the transaction succeeded: {ok:?}"),
        Err(failure) => assert_eq!(failure.abort(), ("service".to_owned(), code), "{name}"),
    }
}

struct World {
    chain: Chain,
    system: Address,
    treasury: Address,
    seller: Address,
    model: Address,
    model_cap: Address,
    caller: Address,
    stranger: Address,
    /// The providers of the three services.
    providers: Vec<Address>,
    /// The three services and their caps (the seller's).
    services: Vec<(Address, Address)>,
}

/// A model with one version by SELLER and three services of it (summarize, classify,
/// render) at `PRICES`, each served by its own provider.
fn setup() -> World {
    let network = NetworkGenesis {
        n_shards: 4,
        epoch_duration_ms: HOUR_MS,
        nodes: vec![],
    };
    let (mut chain, started) = Chain::with_network(&network);
    let seller = chain.new_account();
    let caller = chain.new_account();
    let stranger = chain.new_account();
    let providers: Vec<Address> = (0..3).map(|_| chain.new_account()).collect();
    let (model, model_cap) = model_with_version(&mut chain, seller, started.system, 0x77);
    let treasury = chain.genesis.treasury;
    let mut world = World {
        chain,
        system: started.system,
        treasury,
        seller,
        model,
        model_cap,
        caller,
        stranger,
        providers,
        services: Vec::new(),
    };
    for i in 0..3 {
        let outcome = world
            .create(world.seller, world.model, world.model_cap, 1, PRICES[i], i)
            .unwrap();
        let created: ServiceCreated = outcome.event("ServiceCreated");
        assert_eq!(created.price_per_call, PRICES[i]);
        assert_eq!(created.response_window_ms, WINDOW_MS);
        world
            .services
            .push((addr(&created.service_id), addr(&created.cap_id)));
    }
    world
}

/// `owner` registers a model and publishes version 1 (a planted certified blob).
fn model_with_version(
    chain: &mut Chain,
    owner: Address,
    system: Address,
    blob: u64,
) -> (Address, Address) {
    let weights = plant_blob(chain, owner, blob, true, 2, 0);
    let outcome = chain
        .call_keep(owner, call::model::register_model("summarizer", ""))
        .unwrap();
    let registered: ModelRegistered = outcome.event("ModelRegistered");
    let (model, cap) = (addr(&registered.model_id), addr(&registered.cap_id));
    chain
        .call(
            owner,
            call::model::publish_version(
                model,
                cap,
                Arg::ObjRead(system),
                Arg::ObjRead(weights),
                "onnx-mlp",
                Vec::<u8>::new(),
                Vec::<String>::new(),
                Vec::<u64>::new(),
            ),
        )
        .unwrap();
    (model, cap)
}

impl World {
    fn create(
        &mut self,
        who: Address,
        model: Address,
        model_cap: Address,
        version: u64,
        price: u64,
        provider: usize,
    ) -> Result<Outcome, Failure> {
        self.create_with_window(who, model, model_cap, version, price, provider, WINDOW_MS)
    }

    #[allow(clippy::too_many_arguments)]
    fn create_with_window(
        &mut self,
        who: Address,
        model: Address,
        model_cap: Address,
        version: u64,
        price: u64,
        provider: usize,
        window_ms: u64,
    ) -> Result<Outcome, Failure> {
        let provider = self.providers[provider];
        self.chain.call_keep(
            who,
            call::service::create_service(
                Arg::ObjRead(model),
                model_cap,
                version,
                provider,
                price,
                window_ms,
            ),
        )
    }

    /// The arguments every call takes before its own: service, payment, max_price.
    /// `caller` calls service `service` on `input` alone.
    fn call_one(
        &mut self,
        service: usize,
        coin: Address,
        max_price: u64,
        input: &[u8],
    ) -> Result<Outcome, Failure> {
        let call = call::service::call(self.services[service].0, coin, max_price, input);
        let caller = self.caller;
        self.chain.ptb(caller, vec![call])
    }

    /// The commands of a chain over `services` (one call, then `call_next` on each result).
    fn chain_commands(&self, services: &[usize], coin: Address, input: &[u8]) -> Vec<Cmd> {
        let mut commands = Vec::new();
        for (position, &s) in services.iter().enumerate() {
            let service = self.services[s].0;
            commands.push(if position == 0 {
                call::service::call(service, coin, PRICES[s], input)
            } else {
                let previous = Arg::Result(position as u16 - 1);
                call::service::call_next(service, coin, PRICES[s], previous)
            });
        }
        commands
    }

    /// `who` answers call `number` of service `service`, paying the model `model`.
    fn respond_for(
        &mut self,
        who: Address,
        service: usize,
        model: Address,
        number: u64,
        hash: &[u8],
    ) -> Result<Outcome, Failure> {
        self.chain.call(
            who,
            call::service::respond(
                self.services[service].0,
                model,
                Arg::ObjRead(self.system),
                self.treasury,
                number,
                u256(0xb0 + number),
                hash.to_vec(),
            ),
        )
    }

    fn respond(
        &mut self,
        who: Address,
        service: usize,
        number: u64,
        hash: &[u8],
    ) -> Result<Outcome, Failure> {
        let model = self.model;
        self.respond_for(who, service, model, number, hash)
    }

    /// `who` takes call `number` of service `service`'s payment back; returns the amount.
    fn refund(&mut self, who: Address, service: usize, number: u64) -> Result<u64, Failure> {
        let outcome = self
            .chain
            .call_keep(who, call::service::refund(self.services[service].0, number))?;
        let refunded: ServiceCallRefunded = outcome.event("ServiceCallRefunded");
        Ok(refunded.amount)
    }

    fn service(&self, i: usize) -> ModelService {
        self.chain.object(self.services[i].0)
    }

    fn model(&self) -> Model {
        self.chain.object(self.model)
    }

    fn burned(&self) -> u64 {
        self.chain.object::<Treasury>(self.treasury).total_burned
    }
}

#[test]
fn a_three_call_chain_is_paid_in_one_transaction_and_each_answer_pays_the_model() {
    let mut w = setup();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    let burned = w.burned();
    let commands = w.chain_commands(&[0, 1, 2], coin, b"a long article");
    let caller = w.caller;
    let outcome = w.chain.ptb(caller, commands).unwrap();

    // Each call took exactly its price from the one coin: 20 − (3 + 5 + 7) = 5 WAL left, all
    // of it in the services' escrows: nothing burned or paid before an answer.
    assert_eq!(w.chain.wal_balance(caller), 5 * WAL);
    assert_eq!(w.burned(), burned);
    assert!(outcome.events_named::<WalBurned>("WalBurned").is_empty());
    for (i, price) in PRICES.iter().enumerate() {
        let service = w.service(i);
        assert_eq!(service.escrow.value, *price, "service {i}");
        assert_eq!(service.calls, 1);
    }

    // Linked in order: positions 0, 1, 2, each naming the previous call; the input on the
    // first only; each with its deadline.
    let calls: Vec<ServiceCalled> = outcome.events_named("ServiceCalled");
    assert_eq!(calls.len(), 3);
    for (i, called) in calls.iter().enumerate() {
        assert_eq!(addr(&called.service_id), w.services[i].0);
        assert_eq!(called.call_number, 0);
        assert_eq!(called.position, i as u64);
        assert_eq!(called.price, PRICES[i]);
        assert_eq!(called.deadline_ms, called.timestamp_ms + WINDOW_MS);
        assert_eq!(Address::new(called.caller.into_inner()), caller);
        if i == 0 {
            assert_eq!(called.input, b"a long article");
            assert!(called.prev_service_id.is_none() && called.prev_call_number.is_none());
        } else {
            assert!(called.input.is_empty());
            assert_eq!(
                called.prev_service_id.as_ref().map(addr),
                Some(w.services[i - 1].0)
            );
            assert_eq!(called.prev_call_number, Some(0));
        }
    }
    let last: Call = outcome.ret(2, 0);
    assert_eq!(
        (addr(&last.service_id), last.number, last.position),
        (w.services[2].0, 0, 2)
    );

    // Each provider answers its call once: the escrow goes to the model, less the fee.
    for i in 0..3 {
        let provider = w.providers[i];
        let answered = w.respond(provider, i, 0, &HASH).unwrap();
        let responded: ServiceResponded = answered.event("ServiceResponded");
        assert_eq!(responded.call_number, 0);
        assert_eq!(responded.output_hash, HASH);
        assert_eq!(addr(&responded.model_id), w.model);
        assert_eq!(responded.fee_burned, fee(PRICES[i]));
        assert_eq!(responded.revenue, PRICES[i] - fee(PRICES[i]));
        assert_eq!(w.service(i).escrow.value, 0);
    }
    let fees: u64 = PRICES.iter().map(|&p| fee(p)).sum();
    assert_eq!(w.burned() - burned, fees);
    let paid: u64 = PRICES.iter().map(|&p| p - fee(p)).sum();
    assert_eq!(w.model().revenue.value, paid);
    let service = w.services[2].0;
    let hash = w.chain.call(
        caller,
        call::service::response_output_hash(Arg::ObjRead(service), 0u64),
    );
    assert_eq!(hash.unwrap().ret::<Vec<u8>>(0, 0), HASH);

    // The model's owner takes it as any model revenue.
    let (seller, model, model_cap) = (w.seller, w.model, w.model_cap);
    let before = w.chain.wal_balance(seller);
    w.chain
        .call_keep(
            seller,
            call::model::withdraw_revenue(model, Arg::ObjRead(model_cap)),
        )
        .unwrap();
    assert_eq!(w.chain.wal_balance(seller) - before, paid);
}

/// The model was trained on a sealed dataset with a 20 % share: an answered call sets 20 % of
/// its revenue aside for it, and the dataset's one contributor claims exactly that.
#[test]
fn an_answered_call_pays_the_datasets_the_model_was_trained_on() {
    let mut w = setup();
    let curator = w.chain.new_account();
    let contributor = w.chain.new_account();
    let created = w
        .chain
        .call_keep(curator, call::dataset::create_dataset("text", ""))
        .unwrap();
    let created: DatasetCreated = created.event("DatasetCreated");
    let (dataset, dataset_cap) = (addr(&created.dataset_id), addr(&created.cap_id));
    let blob = plant_blob(&mut w.chain, contributor, 0xda7a, true, 2, 0);
    let added: ContributionAdded = w
        .chain
        .call_keep(
            contributor,
            call::dataset::contribute(dataset, Arg::ObjRead(blob)),
        )
        .unwrap()
        .event("ContributionAdded");
    let contribution = addr(&added.contribution_id);
    w.chain
        .call(
            curator,
            call::dataset::set_weight(
                dataset,
                Arg::ObjRead(dataset_cap),
                &added.contribution_id,
                1u64,
            ),
        )
        .unwrap();
    w.chain
        .call(
            curator,
            call::dataset::seal(dataset, Arg::ObjRead(dataset_cap)),
        )
        .unwrap();
    let (seller, model, model_cap) = (w.seller, w.model, w.model_cap);
    w.chain
        .call(
            seller,
            call::dataset::train_on(
                Arg::ObjRead(dataset),
                model,
                Arg::ObjRead(model_cap),
                1u64,
                2_000u64,
            ),
        )
        .unwrap();

    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    w.call_one(1, coin, PRICES[1], b"x").unwrap();
    let provider = w.providers[1];
    w.respond(provider, 1, 0, &HASH).unwrap();
    let revenue = PRICES[1] - fee(PRICES[1]);
    let share = revenue * 2_000 / 10_000;
    assert_eq!(w.model().revenue.value, revenue - share);
    let stranger = w.stranger;
    let moved = w
        .chain
        .call(stranger, call::dataset::distribute(model, dataset))
        .unwrap();
    assert_eq!(moved.ret::<u64>(0, 0), share);
    let claimed: ContributionClaimed = w
        .chain
        .call_keep(
            contributor,
            call::dataset::claim(dataset, Arg::ObjRead(contribution)),
        )
        .unwrap()
        .event("ContributionClaimed");
    assert_eq!(claimed.amount, share);
}

#[test]
fn paying_less_is_refused_and_costs_nothing() {
    let mut w = setup();
    let short = w.chain.give_wal(w.caller, PRICES[0] - 1);
    let burned = w.burned();
    assert_abort(
        w.call_one(0, short, PRICES[0], b"x"),
        move_aborts::service::E_INSUFFICIENT_PAYMENT,
    );
    assert_eq!(w.chain.wal_balance(w.caller), PRICES[0] - 1);
    assert_eq!(w.burned(), burned);
    assert_eq!(w.service(0).escrow.value, 0);
    assert_eq!(w.service(0).calls, 0);
}

#[test]
fn a_service_repriced_above_max_price_takes_nothing() {
    let mut w = setup();
    let (seller, cap) = (w.seller, w.services[0].1);
    w.chain
        .call(
            seller,
            call::service::set_price(w.services[0].0, cap, 10 * WAL),
        )
        .unwrap();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    // The caller quoted the old price.
    assert_abort(
        w.call_one(0, coin, PRICES[0], b"x"),
        move_aborts::service::E_PRICE_ABOVE_MAX,
    );
    assert_eq!(w.chain.wal_balance(w.caller), 20 * WAL);
    // A chain fails whole: the first call's payment is not taken either.
    let commands = w.chain_commands(&[1, 0], coin, b"x");
    let caller = w.caller;
    assert_abort(
        w.chain.ptb(caller, commands),
        move_aborts::service::E_PRICE_ABOVE_MAX,
    );
    assert_eq!(w.chain.wal_balance(caller), 20 * WAL);
    assert_eq!(w.service(1).calls, 0);
    // At the new price it is paid exactly.
    w.call_one(0, coin, 10 * WAL, b"x").unwrap();
    assert_eq!(w.chain.wal_balance(caller), 10 * WAL);
    assert_abort(
        w.chain
            .call(seller, call::service::set_price(w.services[0].0, cap, 0u64)),
        move_aborts::service::E_ZERO_PRICE,
    );
}

#[test]
fn a_paused_service_takes_no_calls() {
    let mut w = setup();
    let (seller, cap) = (w.seller, w.services[1].1);
    w.chain
        .call(
            seller,
            call::service::set_paused(w.services[1].0, cap, true),
        )
        .unwrap();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    assert_abort(
        w.call_one(1, coin, PRICES[1], b"x"),
        move_aborts::service::E_SERVICE_PAUSED,
    );
    let commands = w.chain_commands(&[0, 1], coin, b"x");
    let caller = w.caller;
    assert_abort(
        w.chain.ptb(caller, commands),
        move_aborts::service::E_SERVICE_PAUSED,
    );
    assert_eq!(w.chain.wal_balance(caller), 20 * WAL);
    w.chain
        .call(
            seller,
            call::service::set_paused(w.services[1].0, cap, false),
        )
        .unwrap();
    w.call_one(1, coin, PRICES[1], b"x").unwrap();
}

#[test]
fn each_call_is_answered_once_by_its_provider_into_its_model_before_its_deadline() {
    let mut w = setup();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    w.call_one(0, coin, PRICES[0], b"x").unwrap();
    let (provider, other, stranger) = (w.providers[0], w.providers[1], w.stranger);
    // Another service's provider, or anyone else, cannot answer it.
    assert_abort(
        w.respond(other, 0, 0, &HASH),
        move_aborts::service::E_NOT_PROVIDER,
    );
    assert_abort(
        w.respond(stranger, 0, 0, &HASH),
        move_aborts::service::E_NOT_PROVIDER,
    );
    // Attack: the provider credits the payment to a model of its own.
    let system = w.system;
    let (own_model, _) = model_with_version(&mut w.chain, provider, system, 0x79);
    assert_abort(
        w.respond_for(provider, 0, own_model, 0, &HASH),
        move_aborts::service::E_WRONG_MODEL,
    );
    // No answer to a call never made; a hash must be 32 bytes.
    assert_abort(
        w.respond(provider, 0, 1, &HASH),
        move_aborts::service::E_NO_SUCH_CALL,
    );
    assert_abort(
        w.respond(provider, 0, 0, &HASH[..31]),
        move_aborts::service::E_BAD_OUTPUT_HASH,
    );
    let service = w.services[0].0;
    assert_abort(
        w.chain.call(
            provider,
            call::service::response_output_hash(Arg::ObjRead(service), 0u64),
        ),
        move_aborts::service::E_NOT_SERVED,
    );
    w.respond(provider, 0, 0, &HASH).unwrap();
    // Replayed: refused.
    assert_abort(
        w.respond(provider, 0, 0, &[0xdd; 32]),
        move_aborts::service::E_ALREADY_SERVED,
    );
    // The provider the owner names next answers the next calls.
    let (seller, cap) = (w.seller, w.services[0].1);
    w.chain
        .call(
            seller,
            call::service::set_provider(w.services[0].0, cap, other),
        )
        .unwrap();
    w.call_one(0, coin, PRICES[0], b"y").unwrap();
    assert_abort(
        w.respond(provider, 0, 1, &HASH),
        move_aborts::service::E_NOT_PROVIDER,
    );
    w.respond(other, 0, 1, &HASH).unwrap();
    // Attack: a late answer, once the caller may take its payment back.
    w.call_one(0, coin, PRICES[0], b"z").unwrap();
    w.chain.advance_clock(WINDOW_MS);
    assert_abort(
        w.respond(other, 0, 2, &HASH),
        move_aborts::service::E_RESPONSE_TOO_LATE,
    );
}

#[test]
fn an_unanswered_call_is_refunded_to_its_payer_once_after_its_deadline() {
    let mut w = setup();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    w.call_one(0, coin, PRICES[0], b"x").unwrap();
    w.call_one(0, coin, PRICES[0], b"y").unwrap();
    let (caller, stranger, provider) = (w.caller, w.stranger, w.providers[0]);
    let burned = w.burned();
    // Attack: the caller takes the payment back while the provider may still answer.
    w.chain.advance_clock(WINDOW_MS - 1);
    assert_abort(
        w.refund(caller, 0, 0),
        move_aborts::service::E_DEADLINE_NOT_PASSED,
    );
    // Call 1 is answered in time; its caller cannot take it back.
    w.respond(provider, 0, 1, &HASH).unwrap();
    w.chain.advance_clock(1);
    assert_abort(
        w.refund(caller, 0, 1),
        move_aborts::service::E_ALREADY_SERVED,
    );
    // Attack: a stranger takes the unanswered call's payment.
    assert_abort(w.refund(stranger, 0, 0), move_aborts::service::E_NOT_PAYER);
    assert_abort(w.refund(caller, 0, 7), move_aborts::service::E_NO_SUCH_CALL);
    // The payer gets the whole price back, nothing burned.
    let before = w.chain.wal_balance(caller);
    assert_eq!(w.refund(caller, 0, 0).unwrap(), PRICES[0]);
    assert_eq!(w.chain.wal_balance(caller) - before, PRICES[0]);
    assert_eq!(w.burned() - burned, fee(PRICES[0]));
    assert_eq!(w.service(0).escrow.value, 0);
    // Once: neither a second refund nor a late answer.
    assert_abort(w.refund(caller, 0, 0), move_aborts::service::E_REFUNDED);
    assert_abort(
        w.respond(provider, 0, 0, &HASH),
        move_aborts::service::E_REFUNDED,
    );
    assert_eq!(w.model().revenue.value, PRICES[0] - fee(PRICES[0]));
}

#[test]
fn response_windows_are_bounded_and_apply_to_later_calls() {
    let mut w = setup();
    let (seller, model, model_cap) = (w.seller, w.model, w.model_cap);
    assert_abort(
        w.create_with_window(seller, model, model_cap, 1, WAL, 0, 4_999),
        move_aborts::service::E_BAD_RESPONSE_WINDOW,
    );
    assert_abort(
        w.create_with_window(seller, model, model_cap, 1, WAL, 0, 604_800_001),
        move_aborts::service::E_BAD_RESPONSE_WINDOW,
    );
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    w.call_one(0, coin, PRICES[0], b"x").unwrap();
    let cap = w.services[0].1;
    assert_abort(
        w.chain.call(
            seller,
            call::service::set_response_window(w.services[0].0, cap, 1u64),
        ),
        move_aborts::service::E_BAD_RESPONSE_WINDOW,
    );
    w.chain
        .call(
            seller,
            call::service::set_response_window(w.services[0].0, cap, 2 * WINDOW_MS),
        )
        .unwrap();
    assert_eq!(w.service(0).response_window_ms, 2 * WINDOW_MS);
    w.call_one(0, coin, PRICES[0], b"y").unwrap();
    w.chain.advance_clock(WINDOW_MS);
    let caller = w.caller;
    // Call 0 kept its one-minute deadline; call 1 has two minutes.
    assert_eq!(w.refund(caller, 0, 0).unwrap(), PRICES[0]);
    assert_abort(
        w.refund(caller, 0, 1),
        move_aborts::service::E_DEADLINE_NOT_PASSED,
    );
}

#[test]
fn the_buyer_of_the_model_takes_its_services_over_and_voids_the_sellers_cap() {
    let mut w = setup();
    let (seller, model_cap, old_cap) = (w.seller, w.model_cap, w.services[0].1);
    let buyer = w.chain.new_account();
    w.chain
        .ptb(
            seller,
            vec![Cmd::Transfer(vec![Arg::obj(model_cap)], buyer)],
        )
        .unwrap();
    // Attack: a stranger takes over with the ModelCap of its own model.
    let (stranger, system) = (w.stranger, w.system);
    let (_, own_cap) = model_with_version(&mut w.chain, stranger, system, 0x78);
    let service = w.services[0].0;
    assert_abort(
        w.chain.call_keep(
            stranger,
            call::service::take_over(service, Arg::ObjRead(own_cap)),
        ),
        move_aborts::service::E_WRONG_MODEL_CAP,
    );
    let replaced: ServiceCapReplaced = w
        .chain
        .call_keep(
            buyer,
            call::service::take_over(service, Arg::ObjRead(model_cap)),
        )
        .unwrap()
        .event("ServiceCapReplaced");
    assert_eq!(addr(&replaced.old_cap_id), old_cap);
    let new_cap = addr(&replaced.new_cap_id);
    assert_eq!(addr(&w.service(0).cap_id), new_cap);
    w.chain
        .call(
            buyer,
            call::service::set_paused(w.services[0].0, new_cap, true),
        )
        .unwrap();
    // Attack: the seller resumes (or reprices, or redirects) with its old cap.
    assert_abort(
        w.chain.call(
            seller,
            call::service::set_paused(w.services[0].0, old_cap, false),
        ),
        move_aborts::service::E_WRONG_CAP,
    );
    assert_abort(
        w.chain.call(
            seller,
            call::service::set_provider(w.services[0].0, old_cap, seller),
        ),
        move_aborts::service::E_WRONG_CAP,
    );
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    assert_abort(
        w.call_one(0, coin, PRICES[0], b"x"),
        move_aborts::service::E_SERVICE_PAUSED,
    );
}

/// The seller deletes the `ServiceCap` the buyer's take-over voided; a live cap is refused,
/// whether passed with its own service or judged against another one (where it would look
/// void), and stays with its holder, still in control.
#[test]
fn a_voided_service_cap_is_destroyed_and_a_live_one_is_not() {
    let mut w = setup();
    let (seller, model_cap) = (w.seller, w.model_cap);
    let (service, old_cap) = w.services[0];
    let (other_service, other_cap) = w.services[1];
    // Attack on the holder's control: its live cap, with its own service or another one.
    assert_abort(
        w.chain
            .call(seller, call::service::destroy_voided_cap(service, old_cap)),
        move_aborts::service::E_CAP_NOT_VOIDED,
    );
    assert_abort(
        w.chain.call(
            seller,
            call::service::destroy_voided_cap(other_service, old_cap),
        ),
        move_aborts::service::E_CAP_OF_ANOTHER_SERVICE,
    );
    assert!(w.chain.exists(old_cap));
    assert_eq!(w.chain.owner(old_cap), Owner::Address(seller));

    let buyer = w.chain.new_account();
    w.chain
        .ptb(
            seller,
            vec![Cmd::Transfer(vec![Arg::obj(model_cap)], buyer)],
        )
        .unwrap();
    let replaced: ServiceCapReplaced = w
        .chain
        .call_keep(
            buyer,
            call::service::take_over(service, Arg::ObjRead(model_cap)),
        )
        .unwrap()
        .event("ServiceCapReplaced");
    let new_cap = addr(&replaced.new_cap_id);
    // The void cap judged against another service is still refused: it names its own.
    assert_abort(
        w.chain.call(
            seller,
            call::service::destroy_voided_cap(other_service, old_cap),
        ),
        move_aborts::service::E_CAP_OF_ANOTHER_SERVICE,
    );
    w.chain
        .call(seller, call::service::destroy_voided_cap(service, old_cap))
        .unwrap();
    assert!(!w.chain.exists(old_cap));
    assert!(
        !w.chain
            .owned(seller, "service", "ServiceCap")
            .contains(&old_cap)
    );
    // The buyer's new cap and the seller's cap of another service still work.
    w.chain
        .call(buyer, call::service::set_paused(service, new_cap, true))
        .unwrap();
    assert!(w.service(0).paused);
    w.chain
        .call(
            seller,
            call::service::set_paused(other_service, other_cap, true),
        )
        .unwrap();
    assert!(w.service(1).paused);
}

#[test]
fn strangers_cannot_steer_a_service_or_sell_a_model_they_do_not_own() {
    let mut w = setup();
    let coin = w.chain.give_wal(w.caller, 20 * WAL);
    w.call_one(0, coin, PRICES[0], b"x").unwrap();
    // The stranger's own model and service give it a ServiceCap, but not this service's.
    let stranger = w.stranger;
    let system = w.system;
    let (own_model, own_cap) = model_with_version(&mut w.chain, stranger, system, 0x78);
    let created = w.create(stranger, own_model, own_cap, 1, WAL, 0).unwrap();
    let created: ServiceCreated = created.event("ServiceCreated");
    let stranger_cap = addr(&created.cap_id);
    let service = w.services[0].0;
    for steer in [
        call::service::set_price(service, stranger_cap, 1u64),
        call::service::set_paused(service, stranger_cap, true),
        call::service::set_provider(service, stranger_cap, stranger),
        call::service::set_response_window(service, stranger_cap, WINDOW_MS),
    ] {
        assert_abort(
            w.chain.call(stranger, steer),
            move_aborts::service::E_WRONG_CAP,
        );
    }
    assert_eq!(w.service(0).escrow.value, PRICES[0]);
    // Selling calls of the seller's model with the stranger's own ModelCap.
    let model = w.model;
    assert_abort(
        w.create(stranger, model, own_cap, 1, WAL, 0),
        move_aborts::service::E_WRONG_MODEL_CAP,
    );
    let (seller, model_cap) = (w.seller, w.model_cap);
    assert_abort(
        w.create(seller, model, model_cap, 2, WAL, 0),
        move_aborts::service::E_VERSION_NOT_FOUND,
    );
    assert_abort(
        w.create(seller, model, model_cap, 1, 0, 0),
        move_aborts::service::E_ZERO_PRICE,
    );
}

#[test]
fn inputs_and_chains_are_bounded() {
    let mut w = setup();
    let coin = w.chain.give_wal(w.caller, 1_000 * WAL);
    assert_abort(
        w.call_one(0, coin, PRICES[0], b""),
        move_aborts::service::E_BAD_INPUT,
    );
    assert_abort(
        w.call_one(0, coin, PRICES[0], &vec![1u8; 4097]),
        move_aborts::service::E_BAD_INPUT,
    );
    w.call_one(0, coin, PRICES[0], &vec![1u8; 4096]).unwrap();
    // 16 calls chain; a 17th is refused.
    let caller = w.caller;
    let sixteen = w.chain_commands(&[0; 16], coin, b"x");
    w.chain.ptb(caller, sixteen).unwrap();
    let seventeen = w.chain_commands(&[0; 17], coin, b"x");
    assert_abort(
        w.chain.ptb(caller, seventeen),
        move_aborts::service::E_CHAIN_TOO_LONG,
    );
}
