//! What the devnet adds to `sui_rpc`'s proto conversions when it answers: the fields a full
//! node derives from an object's Move type (a coin's `balance`).

use sui_rpc::field::FieldMaskTree;
use sui_rpc::merge::Merge as _;
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::Object;

/// `object` as the API returns it, cut to `mask`: what `sui_rpc` fills, and `balance` for coins.
pub fn object(object: &Object, mask: &FieldMaskTree) -> proto::Object {
    let mut message = proto::Object::merge_from(object.clone(), mask);
    if mask.contains(proto::Object::BALANCE_FIELD.name) {
        message.balance = coin_balance(object);
    }
    message
}

/// The value of a `0x2::coin::Coin<T>` object.
pub fn coin_balance(object: &Object) -> Option<u64> {
    let (tag, contents, _) = crate::objects::struct_parts(object)?;
    tag.is_coin()?;
    crate::objects::coin_value(contents)
}
