//! Paid, composable model calls (`floe::service`): create a service, build a chain of calls
//! (summarize → classify → render) paid into escrow in one transaction, answer a call as its
//! provider (which settles it: the fee burned, the rest to the model and its datasets), take
//! an unanswered call's payment back after its deadline, take a service over as the model's
//! owner, read a service.
//!
//! A chain is a [`ServiceChain`]: the services in order, each with the most the caller pays
//! for it. [`Floe::call_chain`] splits exactly the sum of those maxima off the sender's WAL
//! into one payment coin, calls the first service on the input and each next one on the
//! previous call's `Call` receipt, and merges what is left back: each call takes exactly its
//! service's price, and a service repriced above its maximum aborts the whole transaction
//! (`service::EPriceAboveMax`), so nothing is paid.

use std::collections::HashMap;

use sui_sdk_types::Address;
use sui_transaction_builder::{Argument, TransactionBuilder};

use crate::calls::{self, SharedObject};
use crate::flows::{Floe, FlowError, event, shared_created};
use crate::move_types::{
    self, events,
    service::{ModelService, Pending, Response},
};

/// A service created by [`Floe::create_service`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreatedService {
    /// The shared `ModelService`.
    pub service: Address,
    /// Its `ServiceCap`, owned by the sender.
    pub cap: Address,
}

/// The calls of one chain, in order: each service with the most the caller pays for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceChain {
    pub steps: Vec<(Address, u64)>,
}

impl ServiceChain {
    /// A chain starting with `service`, paying at most `max_price` for it.
    pub fn first(service: Address, max_price: u64) -> Self {
        Self {
            steps: vec![(service, max_price)],
        }
    }

    /// Adds `service` on the previous call's output, paying at most `max_price` for it.
    pub fn then(mut self, service: Address, max_price: u64) -> Self {
        self.steps.push((service, max_price));
        self
    }

    /// The most the whole chain can cost.
    pub fn max_total(&self) -> Option<u64> {
        self.steps
            .iter()
            .try_fold(0u64, |sum, (_, max)| sum.checked_add(*max))
    }
}

impl Floe {
    /// Creates a service selling calls of `version` of `model` (whose `ModelCap`, `model_cap`,
    /// the sender owns) at `price_per_call` WAL base units, served by `provider`, who answers
    /// each call within `response_window_ms` or the caller may take its payment back.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_service(
        &mut self,
        model: Address,
        model_cap: Address,
        version: u64,
        provider: Address,
        price_per_call: u64,
        response_window_ms: u64,
    ) -> Result<CreatedService, FlowError> {
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let model_cap = self.owned_input(model_cap).await?;
        let mut builder = TransactionBuilder::new();
        let model_cap = builder.object(model_cap);
        let cap = calls::service::create_service(
            &mut builder,
            &self.objects,
            model,
            model_cap,
            version,
            provider,
            price_per_call,
            response_window_ms,
        );
        self.keep(&mut builder, vec![cap]);
        let executed = self.execute(builder).await?;
        let created: events::ServiceCreated = event(&executed, "ServiceCreated")?;
        let service = shared_created(&executed, move_types::address_of(&created.service_id))?;
        Ok(CreatedService {
            service: service.id,
            cap: move_types::address_of(&created.cap_id),
        })
    }

    /// Calls every service of `chain` in one transaction, the first on `input`, each next on
    /// the previous call's output; returns the `ServiceCalled` events in chain order.
    pub async fn call_chain(
        &mut self,
        chain: &ServiceChain,
        input: &[u8],
    ) -> Result<Vec<events::ServiceCalled>, FlowError> {
        let total = chain.max_total().ok_or(FlowError::PriceOverflow)?;
        let mut shared: HashMap<Address, SharedObject> = HashMap::new();
        for (service, _) in &chain.steps {
            if !shared.contains_key(service) {
                let object = SharedObject::resolve(&mut self.client, *service).await?;
                shared.insert(*service, object);
            }
        }
        let mut builder = TransactionBuilder::new();
        let (source, payment) = self.exact_payment(&mut builder, total).await?;
        let mut inputs: HashMap<Address, Argument> = HashMap::new();
        let mut prev: Option<Argument> = None;
        for (service, max_price) in &chain.steps {
            let argument = *inputs
                .entry(*service)
                .or_insert_with(|| builder.object(shared[service].input(true)));
            let call = match prev {
                None => calls::service::call(
                    &mut builder,
                    &self.objects,
                    argument,
                    payment,
                    *max_price,
                    input,
                ),
                Some(prev) => calls::service::call_next(
                    &mut builder,
                    &self.objects,
                    argument,
                    payment,
                    *max_price,
                    prev,
                ),
            };
            prev = Some(call);
        }
        builder.merge_coins(source, vec![payment]);
        let executed = self.execute(builder).await?;
        let called: Vec<events::ServiceCalled> = executed
            .events
            .iter()
            .filter(|e| {
                e.type_.module().as_str() == "events" && e.type_.name().as_str() == "ServiceCalled"
            })
            .map(|e| {
                bcs::from_bytes(&e.contents).map_err(|error| FlowError::BadEvent {
                    event: "ServiceCalled",
                    digest: executed.digest,
                    message: error.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        if called.len() != chain.steps.len() {
            return Err(FlowError::MissingEvent {
                event: "ServiceCalled",
                digest: executed.digest,
            });
        }
        Ok(called)
    }

    /// Answers call `number` of `service` as its provider: the output's blob ID and
    /// Blake2b-256 hash. Settles the call: its payment leaves the escrow, the fee is burned and
    /// the rest is credited to the service's model. Returns the `ServiceResponded` event.
    pub async fn respond_call(
        &mut self,
        service: Address,
        number: u64,
        output_blob_id: [u8; 32],
        output_hash: &[u8; 32],
    ) -> Result<events::ServiceResponded, FlowError> {
        let model = move_types::address_of(&self.model_service(service).await?.model_id);
        let model = SharedObject::resolve(&mut self.client, model).await?;
        let service = SharedObject::resolve(&mut self.client, service).await?;
        let mut builder = TransactionBuilder::new();
        let service = builder.object(service.input(true));
        calls::service::respond(
            &mut builder,
            &self.objects,
            service,
            model,
            number,
            output_blob_id,
            output_hash,
        );
        let executed = self.execute(builder).await?;
        event(&executed, "ServiceResponded")
    }

    /// Takes back the payment of call `number` of `service`, made by the sender and not
    /// answered by its deadline; returns the amount (WAL base units).
    pub async fn refund_call(&mut self, service: Address, number: u64) -> Result<u64, FlowError> {
        let service = SharedObject::resolve(&mut self.client, service).await?;
        let mut builder = TransactionBuilder::new();
        let service = builder.object(service.input(true));
        let coin = calls::service::refund(&mut builder, &self.objects, service, number);
        self.keep(&mut builder, vec![coin]);
        let executed = self.execute(builder).await?;
        let refunded: events::ServiceCallRefunded = event(&executed, "ServiceCallRefunded")?;
        Ok(refunded.amount)
    }

    /// Takes `service` over with the `ModelCap` (`model_cap`, the sender's) of its model: a new
    /// `ServiceCap` for the sender, the previous one void. Returns the new cap's ID.
    pub async fn take_over_service(
        &mut self,
        service: Address,
        model_cap: Address,
    ) -> Result<Address, FlowError> {
        let service = SharedObject::resolve(&mut self.client, service).await?;
        let model_cap = self.owned_input(model_cap).await?;
        let mut builder = TransactionBuilder::new();
        let service = builder.object(service.input(true));
        let model_cap = builder.object(model_cap);
        let cap = calls::service::take_over(&mut builder, &self.objects, service, model_cap);
        self.keep(&mut builder, vec![cap]);
        let executed = self.execute(builder).await?;
        let replaced: events::ServiceCapReplaced = event(&executed, "ServiceCapReplaced")?;
        Ok(move_types::address_of(&replaced.new_cap_id))
    }

    /// Pauses (`true`) or resumes `service` with its current `ServiceCap` (`cap`, the
    /// sender's).
    pub async fn set_service_paused(
        &mut self,
        service: Address,
        cap: Address,
        paused: bool,
    ) -> Result<(), FlowError> {
        let service = SharedObject::resolve(&mut self.client, service).await?;
        let cap = self.owned_input(cap).await?;
        let mut builder = TransactionBuilder::new();
        let service = builder.object(service.input(true));
        let cap = builder.object(cap);
        calls::service::set_paused(&mut builder, &self.objects, service, cap, paused);
        let executed = self.execute(builder).await?;
        let _: events::ServiceUpdated = event(&executed, "ServiceUpdated")?;
        Ok(())
    }

    /// A service's contents.
    pub async fn model_service(&mut self, id: Address) -> Result<ModelService, FlowError> {
        self.read_object(id, "service::ModelService").await
    }

    /// The provider's answer to call `number` of `service`, if it was answered (an entry of the
    /// service's `responses` table).
    pub async fn service_response(
        &mut self,
        service: Address,
        number: u64,
    ) -> Result<Option<Response>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: Response,
        }
        let state = self.model_service(service).await?;
        let table = move_types::address_of(&state.responses.id.id);
        let key = bcs::to_bytes(&number).expect("a u64 always serializes");
        let field = table.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
        match self
            .read_object::<Field>(field, "dynamic_field::Field<u64, Response>")
            .await
        {
            Ok(field) => Ok(Some(field.value)),
            Err(FlowError::Client(
                crate::ClientError::ObjectNotFound(_) | crate::ClientError::NotFound(_),
            )) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Call `number` of `service` while its payment is in escrow (made, neither answered nor
    /// refunded): who paid how much, and its deadline; `None` otherwise.
    pub async fn service_pending(
        &mut self,
        service: Address,
        number: u64,
    ) -> Result<Option<Pending>, FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: Pending,
        }
        let state = self.model_service(service).await?;
        let table = move_types::address_of(&state.pending.id.id);
        let key = bcs::to_bytes(&number).expect("a u64 always serializes");
        let field = table.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
        match self
            .read_object::<Field>(field, "dynamic_field::Field<u64, Pending>")
            .await
        {
            Ok(field) => Ok(Some(field.value)),
            Err(FlowError::Client(
                crate::ClientError::ObjectNotFound(_) | crate::ClientError::NotFound(_),
            )) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The blob ID (32 little-endian bytes) of version `version` of `model`.
    pub async fn model_version_blob(
        &mut self,
        model: Address,
        version: u64,
    ) -> Result<[u8; 32], FlowError> {
        #[derive(serde::Deserialize)]
        struct Field {
            _id: move_types::UID,
            _name: u64,
            value: move_types::model::ModelVersion,
        }
        let state: move_types::model::Model = self.read_object(model, "model::Model").await?;
        let table = move_types::address_of(&state.versions.id.id);
        let key = bcs::to_bytes(&version).expect("a u64 always serializes");
        let field = table.derive_dynamic_child_id(&sui_sdk_types::TypeTag::U64, &key);
        let field: Field = self
            .read_object(field, "dynamic_field::Field<u64, ModelVersion>")
            .await?;
        Ok(field.value.blob_id.to_le_bytes())
    }
}
