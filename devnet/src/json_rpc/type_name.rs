//! Move type names as Sui's JSON-RPC writes them, shared by the response shapes and the Move
//! value renderer.

use std::str::FromStr as _;

use sui_sdk_types::{StructTag, TypeTag};

/// A Move type as Sui's JSON-RPC writes it (`to_sui_struct_tag_string` in Sui): the
/// addresses of Sui's system packages (`0x0`–`0x3`, `0x5`, `0x6`, `0xdee9`) short, every other
/// address in full, type arguments separated by `", "` — `0x2::coin::Coin<0x2::sui::SUI>` but
/// `0x…f10e::wal::WAL`. Text that is not a type is returned as it is.
pub fn type_name(ty: impl ToString) -> String {
    let text = ty.to_string();
    match TypeTag::from_str(&text) {
        Ok(tag) => {
            let mut out = String::with_capacity(text.len());
            write_type(&mut out, &tag);
            out
        }
        Err(_) => text,
    }
}

fn write_type(out: &mut String, ty: &TypeTag) {
    match ty {
        TypeTag::Vector(inner) => {
            out.push_str("vector<");
            write_type(out, inner);
            out.push('>');
        }
        TypeTag::Struct(tag) => write_struct(out, tag),
        TypeTag::Bool => out.push_str("bool"),
        TypeTag::U8 => out.push_str("u8"),
        TypeTag::U16 => out.push_str("u16"),
        TypeTag::U32 => out.push_str("u32"),
        TypeTag::U64 => out.push_str("u64"),
        TypeTag::U128 => out.push_str("u128"),
        TypeTag::U256 => out.push_str("u256"),
        TypeTag::Address => out.push_str("address"),
        TypeTag::Signer => out.push_str("signer"),
    }
}

fn write_struct(out: &mut String, tag: &StructTag) {
    let full = tag.address().to_string();
    let digits = full.trim_start_matches("0x");
    let trimmed = digits.trim_start_matches('0');
    let system = ["", "1", "2", "3", "5", "6", "dee9"].contains(&trimmed);
    out.push_str("0x");
    out.push_str(match (system, trimmed) {
        (true, "") => "0",
        (true, short) => short,
        (false, _) => digits,
    });
    out.push_str("::");
    out.push_str(tag.module().as_str());
    out.push_str("::");
    out.push_str(tag.name().as_str());
    if let Some((first, rest)) = tag.type_params().split_first() {
        out.push('<');
        write_type(out, first);
        for param in rest {
            out.push_str(", ");
            write_type(out, param);
        }
        out.push('>');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_shorten_only_system_packages() {
        let floe = format!("0x0{}c", "ab".repeat(31));
        assert_eq!(
            type_name(format!("0x2::coin::Coin<{floe}::wal::WAL>")),
            format!("0x2::coin::Coin<{floe}::wal::WAL>")
        );
        assert_eq!(
            type_name(
                "0x0000000000000000000000000000000000000000000000000000000000000002::vec_map::VecMap<0x1::string::String,vector<u8>>"
            ),
            "0x2::vec_map::VecMap<0x1::string::String, vector<u8>>"
        );
        assert_eq!(type_name("0x6::clock::Clock"), "0x6::clock::Clock");
        assert_eq!(
            type_name("0xdee9::clob::Pool<0x3::staking_pool::StakedSui, u256>"),
            "0xdee9::clob::Pool<0x3::staking_pool::StakedSui, u256>"
        );
        // A short address outside the system set is written in full.
        assert_eq!(
            type_name("0x7::m::T"),
            format!("0x{}7::m::T", "0".repeat(63))
        );
        assert_eq!(type_name("package"), "package");
    }
}
