//! The `sui.rpc.v2` services: ledger, state, subscription and transaction execution.
//!
//! Responses are cut to the request's read mask (or the API's documented default) from
//! full messages kept in the ledger.

use std::str::FromStr as _;
use std::sync::Arc;

use sui_rpc::field::{FieldMask, FieldMaskTree, FieldMaskUtil as _};
use sui_rpc::merge::Merge as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_rpc::proto::sui::rpc::v2::ledger_service_server::{LedgerService, LedgerServiceServer};
use sui_rpc::proto::sui::rpc::v2::move_package_service_server::MovePackageServiceServer;
use sui_rpc::proto::sui::rpc::v2::name_service_server::{NameService, NameServiceServer};
use sui_rpc::proto::sui::rpc::v2::signature_verification_service_server::{
    SignatureVerificationService, SignatureVerificationServiceServer,
};
use sui_rpc::proto::sui::rpc::v2::state_service_server::{StateService, StateServiceServer};
use sui_rpc::proto::sui::rpc::v2::subscription_service_server::{
    SubscriptionService, SubscriptionServiceServer,
};
use sui_rpc::proto::sui::rpc::v2::transaction_execution_service_server::{
    TransactionExecutionService, TransactionExecutionServiceServer,
};
use sui_sdk_types::{Address, Digest, StructTag, TypeTag};
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use crate::execute::{REFERENCE_GAS_PRICE, Rejection};
use crate::state::Shared;

/// The gRPC API over the shared devnet state.
#[derive(Clone)]
pub struct Api {
    shared: Arc<Shared>,
    /// Flips when the devnet stops: subscriptions end then.
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Serves the API on `listener` until `shutdown` flips.
pub async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let api = Api {
        shared,
        shutdown: shutdown.clone(),
    };
    // Native gRPC (HTTP/2) and gRPC-Web (binary and text, over HTTP/1.1 or HTTP/2) on the same
    // port, with CORS so that browser dapps can call it from any origin: the devnet is a local
    // development chain, not a service to lock down.
    //
    // Sui's JSON-RPC (`POST /` with a JSON body) is served on the same port, as full nodes do,
    // so a dapp given `rpc_url` works with `SuiJsonRpcClient` too. It is routed beside the
    // gRPC services rather than behind the gRPC-Web layer, which answers 400 to any other
    // HTTP/1.1 request.
    let json_rpc = crate::json_rpc::router(api.shared.clone());
    let grpc = tonic::service::Routes::new(LedgerServiceServer::new(api.clone()))
        .add_service(StateServiceServer::new(api.clone()))
        .add_service(SubscriptionServiceServer::new(api.clone()))
        .add_service(MovePackageServiceServer::new(
            crate::package_service::PackageApi {
                shared: api.shared.clone(),
            },
        ))
        .add_service(NameServiceServer::new(Unserved))
        .add_service(SignatureVerificationServiceServer::new(Unserved))
        .add_service(TransactionExecutionServiceServer::new(api))
        .prepare()
        .into_axum_router()
        .layer(tonic_web::GrpcWebLayer::new())
        .merge(json_rpc);
    let result = tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(cors())
        .add_routes(tonic::service::Routes::from(grpc))
        .serve_with_incoming_shutdown(incoming(listener), async move {
            let _ = shutdown.changed().await;
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "gRPC server stopped");
    }
}

/// Accepted connections with `TCP_NODELAY`. tonic sets it only on listeners it binds itself;
/// without it, a small response frame written behind another waits for the client's delayed
/// ACK (Nagle), tens of milliseconds per call: a closed-loop client (the bench, a dapp
/// awaiting each transaction) then runs at a few dozen calls per second per connection.
fn incoming(listener: tokio::net::TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// CORS for gRPC-Web from browsers: any origin, the gRPC and gRPC-Web request headers, and the
/// trailers-as-headers a gRPC-Web client reads (`grpc-status`, `grpc-message`).
fn cors() -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer, ExposeHeaders};
    let expose = [
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "x-sui-checkpoint-height",
        "x-sui-chain-id",
        "x-sui-chain",
        "x-sui-epoch",
        "x-sui-timestamp-ms",
        "x-sui-lowest-available-checkpoint",
        "x-sui-lowest-available-checkpoint-objects",
    ]
    .map(http::HeaderName::from_static);
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([http::Method::POST, http::Method::GET, http::Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(ExposeHeaders::list(expose))
        .max_age(std::time::Duration::from_secs(24 * 60 * 60))
}

fn mask(mask: Option<&FieldMask>, default: &str) -> FieldMaskTree {
    match mask {
        Some(mask) if !mask.paths.is_empty() => FieldMaskTree::from_field_mask(mask),
        _ => FieldMaskTree::from_field_mask(&FieldMask::from_str(default)),
    }
}

fn parse_address(value: Option<&str>, field: &str) -> Result<Address, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("`{field}` is required")))?;
    Address::from_str(value).map_err(|e| {
        Status::invalid_argument(format!("`{field}` {value:?} is not an address: {e}"))
    })
}

fn parse_digest(value: Option<&str>, field: &str) -> Result<Digest, Status> {
    let value = value.ok_or_else(|| Status::invalid_argument(format!("`{field}` is required")))?;
    Digest::from_str(value)
        .map_err(|e| Status::invalid_argument(format!("`{field}` {value:?} is not a digest: {e}")))
}

impl From<Rejection> for Status {
    fn from(rejection: Rejection) -> Self {
        let message = rejection.to_string();
        match rejection {
            Rejection::BadSignature(_) => Status::permission_denied(message),
            Rejection::ObjectNotFound(_) => Status::not_found(message),
            Rejection::StaleObject(_) => Status::failed_precondition(message),
            Rejection::InsufficientGas(_) => Status::resource_exhausted(message),
            Rejection::Invalid(_) => Status::invalid_argument(message),
        }
    }
}

impl Api {
    fn object(
        &self,
        request: &proto::GetObjectRequest,
        tree: &FieldMaskTree,
    ) -> Result<proto::Object, Status> {
        let id = parse_address(request.object_id.as_deref(), "object_id")?;
        let ledger = self.shared.read();
        let object = ledger.get_object(&id).ok_or_else(|| {
            Status::not_found(format!("object {id} does not exist (or was deleted)"))
        })?;
        if let Some(version) = request.version
            && version != object.version()
        {
            return Err(Status::not_found(format!(
                "object {id} version {version} is not available; the devnet keeps only the latest version ({})",
                object.version()
            )));
        }
        Ok(crate::render::object(object, tree))
    }
}

/// Does a stored type match a `ListOwnedObjects` filter? A filter without type
/// parameters matches every instantiation (`0x2::coin::Coin` matches all coins).
fn type_matches(filter: &StructTag, tag: &StructTag) -> bool {
    if filter.type_params().is_empty() {
        filter.address() == tag.address()
            && filter.module() == tag.module()
            && filter.name() == tag.name()
    } else {
        filter == tag
    }
}

#[tonic::async_trait]
impl LedgerService for Api {
    async fn get_service_info(
        &self,
        _request: Request<proto::GetServiceInfoRequest>,
    ) -> Result<Response<proto::GetServiceInfoResponse>, Status> {
        let ledger = self.shared.read();
        let latest = ledger.latest_checkpoint();
        let mut info = proto::GetServiceInfoResponse::default();
        info.chain_id = Some(self.shared.chain_id.to_string());
        info.chain = Some("floe-devnet".to_owned());
        info.epoch = Some(0);
        info.checkpoint_height = latest.map(|c| c.summary.sequence_number);
        info.timestamp =
            latest.map(|c| sui_rpc::proto::timestamp_ms_to_proto(c.summary.timestamp_ms));
        info.lowest_available_checkpoint = Some(0);
        info.lowest_available_checkpoint_objects = Some(0);
        info.server = Some(format!("floe-devnet/{}", env!("CARGO_PKG_VERSION")));
        Ok(Response::new(info))
    }

    async fn get_object(
        &self,
        request: Request<proto::GetObjectRequest>,
    ) -> Result<Response<proto::GetObjectResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "object_id,version,digest");
        let object = self.object(&request, &tree)?;
        Ok(Response::new(proto::GetObjectResponse::new(object)))
    }

    async fn batch_get_objects(
        &self,
        request: Request<proto::BatchGetObjectsRequest>,
    ) -> Result<Response<proto::BatchGetObjectsResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "object_id,version,digest");
        let results = request
            .requests
            .iter()
            .map(|r| match self.object(r, &tree) {
                Ok(object) => proto::GetObjectResult::new_object(object),
                Err(status) => {
                    proto::GetObjectResult::new_error(sui_rpc::proto::google::rpc::Status {
                        code: status.code() as i32,
                        message: status.message().to_owned(),
                        details: vec![],
                    })
                }
            })
            .collect();
        Ok(Response::new(proto::BatchGetObjectsResponse::new(results)))
    }

    async fn get_transaction(
        &self,
        request: Request<proto::GetTransactionRequest>,
    ) -> Result<Response<proto::GetTransactionResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "digest");
        let message = transaction(&self.shared.read(), request.digest.as_deref(), &tree)?;
        Ok(Response::new(proto::GetTransactionResponse::new(message)))
    }

    async fn batch_get_transactions(
        &self,
        request: Request<proto::BatchGetTransactionsRequest>,
    ) -> Result<Response<proto::BatchGetTransactionsResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "digest");
        let ledger = self.shared.read();
        let mut response = proto::BatchGetTransactionsResponse::default();
        response.transactions = request
            .digests
            .iter()
            .map(|digest| match transaction(&ledger, Some(digest), &tree) {
                Ok(message) => proto::GetTransactionResult::new_transaction(message),
                Err(status) => {
                    proto::GetTransactionResult::new_error(sui_rpc::proto::google::rpc::Status {
                        code: status.code() as i32,
                        message: status.message().to_owned(),
                        details: vec![],
                    })
                }
            })
            .collect();
        Ok(Response::new(response))
    }

    async fn get_checkpoint(
        &self,
        request: Request<proto::GetCheckpointRequest>,
    ) -> Result<Response<proto::GetCheckpointResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "sequence_number,digest");
        let ledger = self.shared.read();
        let entry = match &request.checkpoint_id {
            Some(proto::get_checkpoint_request::CheckpointId::SequenceNumber(seq)) => ledger
                .checkpoint(*seq)
                .ok_or_else(|| Status::not_found(format!("checkpoint {seq} does not exist yet")))?,
            Some(proto::get_checkpoint_request::CheckpointId::Digest(digest)) => {
                let digest = parse_digest(Some(digest), "digest")?;
                ledger.checkpoint_by_digest(&digest).ok_or_else(|| {
                    Status::not_found(format!("no checkpoint has digest {digest}"))
                })?
            }
            _ => ledger
                .latest_checkpoint()
                .ok_or_else(|| Status::not_found("no checkpoint yet"))?,
        };
        let message = proto::Checkpoint::merge_from(entry.message.as_ref(), &tree);
        let mut response = proto::GetCheckpointResponse::default();
        response.checkpoint = Some(message);
        Ok(Response::new(response))
    }

    async fn list_checkpoints(
        &self,
        request: Request<proto::ListCheckpointsRequest>,
    ) -> Result<Response<BoxStream<proto::ListCheckpointsResponse>>, Status> {
        let request = request.into_inner();
        if request.filter.is_some() {
            return Err(Status::unimplemented(
                "floe-devnet does not filter ListCheckpoints; list without `filter`",
            ));
        }
        let tree = mask(request.read_mask.as_ref(), "sequence_number,digest");
        let ledger = self.shared.read();
        let tip = ledger
            .latest_checkpoint()
            .map_or(0, |c| c.summary.sequence_number);
        let frames = list_checkpoint_frames(&request, tip, |seq| {
            ledger
                .checkpoint(seq)
                .map(|entry| proto::Checkpoint::merge_from(entry.message.as_ref(), &tree))
        })?;
        drop(ledger);
        let stream = tokio_stream::iter(frames.into_iter().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn list_transactions(
        &self,
        request: Request<proto::ListTransactionsRequest>,
    ) -> Result<Response<BoxStream<proto::ListTransactionsResponse>>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "digest");
        let shows_types = crate::render::shows_object_types(&tree);
        let ledger = self.shared.read();
        let frames = crate::query::list_transactions(&ledger, &request, &tree, |entry| {
            let known_types = if shows_types {
                removed_types(&ledger, &entry.record)
            } else {
                std::collections::HashMap::new()
            };
            crate::render::executed_transaction(entry.executed().as_ref(), &known_types, &tree)
        })?;
        drop(ledger);
        Ok(Response::new(Box::pin(tokio_stream::iter(
            frames.into_iter().map(Ok),
        ))))
    }

    async fn list_events(
        &self,
        request: Request<proto::ListEventsRequest>,
    ) -> Result<Response<BoxStream<proto::ListEventsResponse>>, Status> {
        let request = request.into_inner();
        let tree = mask(
            request.read_mask.as_ref(),
            "package_id,module,sender,event_type,checkpoint,transaction_digest,event_index",
        );
        let frames = crate::query::list_events(&self.shared.read(), &request, &tree)?;
        Ok(Response::new(Box::pin(tokio_stream::iter(
            frames.into_iter().map(Ok),
        ))))
    }

    async fn get_epoch(
        &self,
        request: Request<proto::GetEpochRequest>,
    ) -> Result<Response<proto::GetEpochResponse>, Status> {
        let request = request.into_inner();
        if request.epoch.is_some_and(|e| e != 0) {
            return Err(Status::not_found(
                "floe-devnet stays in epoch 0 (Floe's storage epochs are in its System object)",
            ));
        }
        let tree = mask(
            request.read_mask.as_ref(),
            "epoch,first_checkpoint,last_checkpoint,start,end,reference_gas_price,protocol_config.protocol_version",
        );
        let start_ms = self
            .shared
            .read()
            .checkpoint(0)
            .map_or(0, |c| c.summary.timestamp_ms);
        let epoch = crate::chain_info::epoch(start_ms);
        let mut response = proto::GetEpochResponse::default();
        response.epoch = Some(proto::Epoch::merge_from(&epoch, &tree));
        Ok(Response::new(response))
    }
}

/// The services of `sui.rpc.v2` that a devnet cannot answer truthfully. They are served so
/// that a call gets an error naming the method and the reason (the SDK shows it), not the
/// bare `UNIMPLEMENTED` of an unknown path.
#[derive(Clone, Copy)]
struct Unserved;

/// No SuiNS: the devnet has no name registry, so it can resolve no name either way.
fn no_name_service(method: &str) -> Status {
    Status::unimplemented(format!(
        "{method}: floe-devnet has no SuiNS name service (no names are registered on it); \
         use addresses"
    ))
}

#[tonic::async_trait]
impl NameService for Unserved {
    async fn lookup_name(
        &self,
        _request: Request<proto::LookupNameRequest>,
    ) -> Result<Response<proto::LookupNameResponse>, Status> {
        Err(no_name_service("sui.rpc.v2.NameService/LookupName"))
    }

    async fn reverse_lookup_name(
        &self,
        _request: Request<proto::ReverseLookupNameRequest>,
    ) -> Result<Response<proto::ReverseLookupNameResponse>, Status> {
        Err(no_name_service("sui.rpc.v2.NameService/ReverseLookupName"))
    }
}

#[tonic::async_trait]
impl SignatureVerificationService for Unserved {
    async fn verify_signature(
        &self,
        _request: Request<proto::VerifySignatureRequest>,
    ) -> Result<Response<proto::VerifySignatureResponse>, Status> {
        Err(Status::unimplemented(
            "sui.rpc.v2.SignatureVerificationService/VerifySignature: floe-devnet does not \
             verify signatures for clients (zkLogin needs the OAuth providers' JWKs, which it \
             does not fetch); verify Ed25519 signatures locally with the SDK's \
             verifyPersonalMessageSignature / verifyTransactionSignature",
        ))
    }
}

#[tonic::async_trait]
impl StateService for Api {
    async fn list_dynamic_fields(
        &self,
        request: Request<proto::ListDynamicFieldsRequest>,
    ) -> Result<Response<proto::ListDynamicFieldsResponse>, Status> {
        let request = request.into_inner();
        let parent = parse_address(request.parent.as_deref(), "parent")?;
        let page_size = request.page_size.unwrap_or(50).clamp(1, 1000) as usize;
        let after = match request.page_token.as_deref() {
            Some(token) if !token.is_empty() => Some(Address::from_bytes(token).map_err(|_| {
                Status::invalid_argument("`page_token` is not one this server issued")
            })?),
            _ => None,
        };
        let (fields, next) =
            crate::chain_info::dynamic_fields(&self.shared.read(), parent, after, page_size);
        let mut response = proto::ListDynamicFieldsResponse::default();
        // Every field is filled whatever the read mask asks: they are all cheap here.
        response.dynamic_fields = fields;
        response.next_page_token = next.map(|id| id.as_bytes().to_vec().into());
        Ok(Response::new(response))
    }

    async fn get_coin_info(
        &self,
        request: Request<proto::GetCoinInfoRequest>,
    ) -> Result<Response<proto::GetCoinInfoResponse>, Status> {
        let request = request.into_inner();
        let coin_type = request
            .coin_type
            .as_deref()
            .ok_or_else(|| Status::invalid_argument("`coin_type` is required"))?;
        let tag = StructTag::from_str(coin_type).map_err(|e| {
            Status::invalid_argument(format!(
                "`coin_type` {coin_type:?} is not a struct type: {e}"
            ))
        })?;
        let published = *tag.address() == Address::TWO
            || self
                .shared
                .read()
                .get_object(tag.address())
                .is_some_and(|o| matches!(o.data(), sui_sdk_types::ObjectData::Package(_)));
        let metadata = published
            .then(|| crate::chain_info::coin_metadata(&tag))
            .flatten()
            .ok_or_else(|| {
                Status::not_found(format!("no currency is known for coin type {coin_type}"))
            })?;
        let mut response = proto::GetCoinInfoResponse::default();
        response.coin_type = Some(tag.to_string());
        response.metadata = Some(metadata);
        Ok(Response::new(response))
    }

    async fn list_owned_objects(
        &self,
        request: Request<proto::ListOwnedObjectsRequest>,
    ) -> Result<Response<proto::ListOwnedObjectsResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_deref(), "owner")?;
        let tree = mask(request.read_mask.as_ref(), "object_id,version,object_type");
        let filter = match request.object_type.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => Some(StructTag::from_str(t).map_err(|e| {
                Status::invalid_argument(format!("`object_type` {t:?} is not a struct type: {e}"))
            })?),
            None => None,
        };
        let page_size = request.page_size.unwrap_or(50).clamp(1, 1000) as usize;
        let after = match request.page_token.as_deref() {
            Some(token) if !token.is_empty() => Some(Address::from_bytes(token).map_err(|_| {
                Status::invalid_argument("`page_token` is not one this server issued")
            })?),
            _ => None,
        };
        let ledger = self.shared.read();
        let mut objects = Vec::new();
        let mut next_page_token = None;
        for object in ledger.owned_objects(&owner, after) {
            let Some((tag, _, _)) = crate::objects::struct_parts(object) else {
                continue;
            };
            if filter.as_ref().is_some_and(|f| !type_matches(f, tag)) {
                continue;
            }
            if objects.len() == page_size {
                next_page_token = Some(objects_last_id(&objects));
                break;
            }
            objects.push(object.clone());
        }
        let mut response = proto::ListOwnedObjectsResponse::default();
        response.next_page_token = next_page_token.map(|id: Address| id.as_bytes().to_vec().into());
        response.objects = objects
            .into_iter()
            .map(|o| crate::render::object(&o, &tree))
            .collect();
        Ok(Response::new(response))
    }

    async fn get_balance(
        &self,
        request: Request<proto::GetBalanceRequest>,
    ) -> Result<Response<proto::GetBalanceResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_deref(), "owner")?;
        let coin_type = match request.coin_type.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => TypeTag::from_str(t).map_err(|e| {
                Status::invalid_argument(format!("`coin_type` {t:?} is not a type: {e}"))
            })?,
            None => crate::objects::sui_type(),
        };
        let (total, _) = self.shared.read().balance(&owner, &coin_type);
        let mut balance = proto::Balance::default();
        balance.coin_type = Some(coin_type.to_string());
        balance.balance = Some(total);
        balance.coin_balance = Some(total);
        balance.address_balance = Some(0);
        let mut response = proto::GetBalanceResponse::default();
        response.balance = Some(balance);
        Ok(Response::new(response))
    }

    async fn list_balances(
        &self,
        request: Request<proto::ListBalancesRequest>,
    ) -> Result<Response<proto::ListBalancesResponse>, Status> {
        let request = request.into_inner();
        let owner = parse_address(request.owner.as_deref(), "owner")?;
        let balances = self.shared.read().balances(&owner);
        let mut response = proto::ListBalancesResponse::default();
        response.balances = balances
            .into_iter()
            .map(|(coin_type, total)| {
                let mut balance = proto::Balance::default();
                balance.coin_type = Some(coin_type.to_string());
                balance.balance = Some(total);
                balance.coin_balance = Some(total);
                balance.address_balance = Some(0);
                balance
            })
            .collect();
        Ok(Response::new(response))
    }
}

/// Default and maximum number of checkpoints one `ListCheckpoints` call returns.
const LIST_CHECKPOINTS_DEFAULT: u32 = 50;
const LIST_CHECKPOINTS_MAX: u32 = 1000;

/// A `ListCheckpoints` cursor: the checkpoint's sequence number, 8 bytes big-endian.
fn checkpoint_cursor(seq: u64) -> prost::bytes::Bytes {
    seq.to_be_bytes().to_vec().into()
}

fn parse_checkpoint_cursor(bytes: &[u8], field: &str) -> Result<u64, Status> {
    let bytes: [u8; 8] = bytes.try_into().map_err(|_| {
        Status::invalid_argument(format!("`{field}` is not a cursor this server issued"))
    })?;
    Ok(u64::from_be_bytes(bytes))
}

fn watermark(cursor: u64, checkpoint: Option<u64>) -> proto::Watermark {
    let mut watermark = proto::Watermark::default();
    watermark.cursor = Some(checkpoint_cursor(cursor));
    watermark.checkpoint = checkpoint;
    watermark
}

fn list_frame(
    checkpoint: Option<proto::Checkpoint>,
    watermark: proto::Watermark,
    end: Option<proto::QueryEndReason>,
) -> proto::ListCheckpointsResponse {
    let mut frame = proto::ListCheckpointsResponse::default();
    frame.checkpoint = checkpoint;
    frame.watermark = Some(watermark);
    frame.end = end.map(|reason| {
        let mut end = proto::QueryEnd::default();
        end.reason = Some(reason as i32);
        end
    });
    frame
}

/// The frames of one `ListCheckpoints` answer over checkpoints `0..=tip`: the
/// interval is `[start_checkpoint, end_checkpoint)` narrowed by the `after`/`before`
/// cursors; every checkpoint is one frame whose watermark is its own sequence number;
/// the last frame says why the answer ends (`ItemLimit` on the last item when more
/// remain, otherwise an item-less frame naming the bound that was reached).
fn list_checkpoint_frames(
    request: &proto::ListCheckpointsRequest,
    tip: u64,
    checkpoint: impl Fn(u64) -> Option<proto::Checkpoint>,
) -> Result<Vec<proto::ListCheckpointsResponse>, Status> {
    use proto::QueryEndReason as End;
    let options = request.options.clone().unwrap_or_default();
    let limit = match options.limit {
        None | Some(0) => LIST_CHECKPOINTS_DEFAULT,
        Some(limit) => limit.min(LIST_CHECKPOINTS_MAX),
    } as usize;
    let after = options
        .after
        .as_deref()
        .map(|b| parse_checkpoint_cursor(b, "options.after"))
        .transpose()?;
    let before = options
        .before
        .as_deref()
        .map(|b| parse_checkpoint_cursor(b, "options.before"))
        .transpose()?;
    let descending = options.ordering == Some(proto::Ordering::Descending as i32);

    // Lower bound (inclusive) and why it is there.
    let start = request.start_checkpoint.unwrap_or(0);
    let (lo, lo_reason) = match after.map(|a| a.saturating_add(1)) {
        Some(a) if a > start => (a, End::CursorBound),
        _ => (start, End::CheckpointBound),
    };
    // Upper bound (exclusive) and why it is there.
    let mut hi = (tip + 1, End::LedgerTip);
    if let Some(end) = request.end_checkpoint
        && end <= hi.0
    {
        hi = (end, End::CheckpointBound);
    }
    if let Some(before) = before
        && before < hi.0
    {
        hi = (before, End::CursorBound);
    }
    let (hi, hi_reason) = hi;

    let mut frames = Vec::new();
    let sequence: Box<dyn Iterator<Item = u64>> = if descending {
        Box::new((lo..hi).rev())
    } else {
        Box::new(lo..hi)
    };
    let total = hi.saturating_sub(lo) as usize;
    for (n, seq) in sequence.enumerate() {
        let item = checkpoint(seq)
            .ok_or_else(|| Status::internal(format!("checkpoint {seq} is missing")))?;
        let last_allowed = n + 1 == limit && n + 1 < total;
        frames.push(list_frame(
            Some(item),
            watermark(seq, Some(seq)),
            last_allowed.then_some(End::ItemLimit),
        ));
        if last_allowed {
            return Ok(frames);
        }
    }
    // The scan reached a bound: an item-less final frame covering the whole interval.
    let frame = if descending {
        if lo > tip {
            list_frame(None, watermark(lo, None), Some(End::LedgerTip))
        } else {
            list_frame(None, watermark(lo, Some(lo)), Some(lo_reason))
        }
    } else {
        match (hi_reason, hi.checked_sub(1)) {
            (End::CursorBound, covered) => {
                list_frame(None, watermark(hi, covered), Some(End::CursorBound))
            }
            (reason, Some(covered)) => list_frame(
                None,
                watermark(
                    covered.max(lo.saturating_sub(1)),
                    Some(covered.max(lo.saturating_sub(1))),
                ),
                Some(reason),
            ),
            (reason, None) => list_frame(None, watermark(0, None), Some(reason)),
        }
    };
    frames.push(frame);
    Ok(frames)
}

fn objects_last_id(objects: &[sui_sdk_types::Object]) -> Address {
    objects
        .last()
        .map(|o| o.object_id())
        .expect("a full page has a last object")
}

#[tonic::async_trait]
impl SubscriptionService for Api {
    async fn subscribe_checkpoints(
        &self,
        request: Request<proto::SubscribeCheckpointsRequest>,
    ) -> Result<Response<BoxStream<proto::SubscribeCheckpointsResponse>>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "sequence_number,digest");
        let mut announcements = self.shared.checkpoints.subscribe();
        let shared = self.shared.clone();
        let mut shutdown = self.shutdown.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            let mut next: Option<u64> = None;
            loop {
                let announced = tokio::select! {
                    announced = announcements.recv() => announced,
                    // A stopping devnet ends its subscriptions (the server's graceful
                    // shutdown waits for open streams), and a client that went away ends
                    // its own.
                    _ = shutdown.wait_for(|stop| *stop) => break,
                    () = tx.closed() => break,
                };
                let seq = match announced {
                    Ok(seq) => seq,
                    // Missed announcements are caught up from the ledger below.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                let start = next.unwrap_or(seq);
                for s in start..=seq {
                    let message = {
                        let ledger = shared.read();
                        match ledger.checkpoint(s) {
                            Some(entry) => {
                                proto::Checkpoint::merge_from(entry.message.as_ref(), &tree)
                            }
                            None => break,
                        }
                    };
                    let mut response = proto::SubscribeCheckpointsResponse::default();
                    response.cursor = Some(s);
                    response.checkpoint = Some(message);
                    if tx.send(Ok(response)).await.is_err() {
                        return;
                    }
                }
                next = Some(seq + 1);
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

#[tonic::async_trait]
impl TransactionExecutionService for Api {
    async fn execute_transaction(
        &self,
        request: Request<proto::ExecuteTransactionRequest>,
    ) -> Result<Response<proto::ExecuteTransactionResponse>, Status> {
        let request = request.into_inner();
        let tree = mask(request.read_mask.as_ref(), "effects.status,checkpoint");
        let transaction = request
            .transaction
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("`transaction` is required"))?;
        let transaction = sui_sdk_types::Transaction::try_from(transaction).map_err(|e| {
            Status::invalid_argument(format!("the transaction does not decode: {e}"))
        })?;
        let signatures = request
            .signatures
            .iter()
            .map(sui_sdk_types::UserSignature::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Status::invalid_argument(format!("a signature does not decode: {e}")))?;
        // The types of the objects it may delete, read before they are gone (if the mask
        // shows changed objects' types at all).
        let shows_types = crate::render::shows_object_types(&tree);
        let mut known_types = if shows_types {
            input_types(&self.shared.read(), &transaction)
        } else {
            std::collections::HashMap::new()
        };
        let entry = self.shared.submit(transaction, signatures).await?;
        // Objects removed without being inputs (dynamic fields) were written by earlier
        // transactions.
        if shows_types {
            let removed = removed_types_but(&self.shared.read(), &entry.record, &known_types);
            known_types.extend(removed);
        }
        let mut message =
            crate::render::executed_transaction(entry.executed().as_ref(), &known_types, &tree);
        // A resubmission of a sealed transaction answers with its place in the checkpoint.
        entry.place(&mut message, &tree);
        let mut response = proto::ExecuteTransactionResponse::default();
        response.transaction = Some(message);
        Ok(Response::new(response))
    }

    async fn simulate_transaction(
        &self,
        request: Request<proto::SimulateTransactionRequest>,
    ) -> Result<Response<proto::SimulateTransactionResponse>, Status> {
        use proto::simulate_transaction_request::TransactionChecks;
        let request = request.into_inner();
        let checks_enabled = request.checks != Some(TransactionChecks::Disabled as i32);
        let gas_selection = request.do_gas_selection == Some(true) && checks_enabled;
        let tree = mask(request.read_mask.as_ref(), "transaction.effects.status");
        let unresolved = request
            .transaction
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("`transaction` is required"))?;
        let from_bcs = unresolved.bcs.is_some();
        let ledger = self.shared.read();
        let model = crate::move_model::MoveModel::get();
        // A complete transaction is simulated as given; otherwise it is resolved first, as Sui
        // full nodes do (objects by ID, literals typed by the function signatures, gas).
        let (mut transaction, budget_missing) =
            match sui_sdk_types::Transaction::try_from(unresolved) {
                Ok(transaction) => (transaction, false),
                Err(e) if from_bcs => {
                    return Err(Status::invalid_argument(format!(
                        "the transaction does not decode: {e}"
                    )));
                }
                Err(_) => {
                    let resolved = crate::resolve::resolve(&ledger, model, unresolved)?;
                    (resolved.transaction, resolved.budget_missing)
                }
            };
        let timestamp_ms = ledger.next_timestamp_ms(crate::state::now_ms());
        let dry_run = |transaction: &sui_sdk_types::Transaction| {
            if transaction.gas_payment.objects.is_empty() {
                let (view, mocked) = crate::resolve::with_mock_gas(&ledger, transaction);
                crate::execute::simulate(&view, &self.shared.registry, &mocked, timestamp_ms)
            } else {
                crate::execute::simulate(&*ledger, &self.shared.registry, transaction, timestamp_ms)
            }
        };
        if gas_selection {
            if budget_missing {
                // Estimate from a dry run with a mock gas coin and the largest budget.
                let mut estimation = transaction.clone();
                estimation.gas_payment.objects.clear();
                estimation.gas_payment.budget = crate::resolve::MAX_GAS_BUDGET;
                let dry = dry_run(&estimation)?;
                let estimate = crate::resolve::estimate_budget(
                    dry.record.effects.gas_summary(),
                    transaction.gas_payment.price,
                );
                if !transaction.gas_payment.objects.is_empty()
                    && transaction.gas_payment.budget < estimate
                {
                    return Err(Status::invalid_argument(format!(
                        "Insufficient gas balance to cover estimated transaction cost. Available \
                         gas balance: {} MIST. Estimated gas budget required: {estimate} MIST",
                        transaction.gas_payment.budget
                    )));
                }
                transaction.gas_payment.budget = estimate;
            }
            if transaction.gas_payment.objects.is_empty() {
                crate::resolve::select_gas(&ledger, &mut transaction)?;
            }
        }
        let simulation = match dry_run(&transaction) {
            Ok(simulation) => Some(simulation),
            // Without checks (a transaction kind resolved for later use), a transaction the
            // executor refuses still comes back resolved.
            Err(_) if !checks_enabled => None,
            Err(rejection) => return Err(rejection.into()),
        };
        let mut known_types = input_types(&ledger, &transaction);
        if let Some(simulation) = &simulation {
            let removed = removed_types_but(&ledger, &simulation.record, &known_types);
            known_types.extend(removed);
        }
        drop(ledger);
        let mut response = proto::SimulateTransactionResponse::default();
        if let Some(subtree) = tree.subtree("transaction") {
            let mut message = match &simulation {
                Some(simulation) => {
                    let executed = crate::ledger::executed_message(&simulation.record);
                    crate::render::executed_transaction(&executed, &known_types, &subtree)
                }
                None => proto::ExecutedTransaction::default(),
            };
            // The transaction as resolved (not the mock-gas variant that was dry-run).
            message.transaction = subtree
                .subtree("transaction")
                .map(|mask| proto::Transaction::merge_from(transaction.clone(), &mask));
            response.transaction = Some(message);
        }
        if let Some(simulation) = &simulation
            && tree.contains("command_outputs")
        {
            response.command_outputs = simulation
                .command_outputs
                .iter()
                .enumerate()
                .map(|(command, outputs)| {
                    let mut result = proto::CommandResult::default();
                    result.return_values = outputs
                        .iter()
                        .enumerate()
                        .map(|(index, output)| {
                            let mut value = proto::Bcs::default();
                            value.name = output.object_type.as_ref().map(ToString::to_string);
                            value.value = Some(output.bcs.clone().into());
                            let mut out = proto::CommandOutput::default();
                            out.argument = Some(
                                sui_sdk_types::Argument::NestedResult(command as u16, index as u16)
                                    .into(),
                            );
                            out.value = Some(value);
                            out
                        })
                        .collect();
                    result
                })
                .collect();
        }
        if tree.contains("suggested_gas_price") {
            response.suggested_gas_price = Some(REFERENCE_GAS_PRICE);
        }
        Ok(Response::new(response))
    }
}

/// A recorded transaction as `GetTransaction` returns it, cut to `tree`: placed in its
/// checkpoint once sealed, with the types of the objects it removed when the mask shows
/// changed objects' types.
fn transaction(
    ledger: &crate::ledger::Ledger,
    digest: Option<&str>,
    tree: &FieldMaskTree,
) -> Result<proto::ExecutedTransaction, Status> {
    let digest = parse_digest(digest, "digest")?;
    let entry = ledger
        .transaction(&digest)
        .ok_or_else(|| Status::not_found(format!("transaction {digest} is not known")))?;
    let known_types = if crate::render::shows_object_types(tree) {
        removed_types(ledger, &entry.record)
    } else {
        std::collections::HashMap::new()
    };
    let mut message =
        crate::render::executed_transaction(entry.executed().as_ref(), &known_types, tree);
    entry.place(&mut message, tree);
    Ok(message)
}

/// The types of the objects `record` deleted or wrapped, as gRPC writes an object's type
/// (the struct tag, or `package`), from their last versions in the ledger's history
/// ([`crate::ledger::Ledger::removed_objects`]): the effects name no type for them, and the
/// ledger no longer holds them live.
fn removed_types(
    ledger: &crate::ledger::Ledger,
    record: &crate::execute::TxRecord,
) -> std::collections::HashMap<Address, String> {
    removed_types_but(ledger, record, &std::collections::HashMap::new())
}

/// [`removed_types`] of the objects `known` does not name already.
fn removed_types_but(
    ledger: &crate::ledger::Ledger,
    record: &crate::execute::TxRecord,
    known: &std::collections::HashMap<Address, String>,
) -> std::collections::HashMap<Address, String> {
    ledger
        .removed_objects(record, |id| !known.contains_key(id))
        .into_iter()
        .map(|(id, object)| {
            let ty = match crate::objects::struct_parts(object) {
                Some((tag, _, _)) => tag.to_string(),
                None => "package".to_owned(),
            };
            (id, ty)
        })
        .collect()
}

/// The types of a transaction's input objects and gas coins, by ID.
fn input_types(
    ledger: &crate::ledger::Ledger,
    transaction: &sui_sdk_types::Transaction,
) -> std::collections::HashMap<Address, String> {
    use sui_sdk_types::Input;
    let mut ids: Vec<Address> = transaction
        .gas_payment
        .objects
        .iter()
        .map(|r| *r.object_id())
        .collect();
    if let sui_sdk_types::TransactionKind::ProgrammableTransaction(ptb) = &transaction.kind {
        for input in &ptb.inputs {
            match input {
                Input::ImmutableOrOwned(r) | Input::Receiving(r) => ids.push(*r.object_id()),
                Input::Shared(shared) => ids.push(shared.object_id()),
                _ => {}
            }
        }
    }
    ids.into_iter()
        .filter_map(|id| {
            let (tag, _, _) = crate::objects::struct_parts(ledger.get_object(&id)?)?;
            Some((id, tag.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_filter_without_params_matches_all_instantiations() {
        let gas = StructTag::gas_coin();
        let coin = StructTag::from_str("0x2::coin::Coin").unwrap();
        assert!(type_matches(&coin, &gas));
        assert!(type_matches(&gas, &gas));
        assert!(!type_matches(
            &StructTag::from_str("0x2::coin::Coin<0x2::foo::FOO>").unwrap(),
            &gas
        ));
    }
}
