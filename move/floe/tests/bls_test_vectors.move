/// Fixed BLS12-381 min_pk test vectors (how they were made: `tests/vectors/README.md`).
/// Four node keys; node `i` is registered by `operator(i)` (0xB1 + i) and its proof of
/// possession signs `bcs(operator(i)) ‖ pk(i)`; `sig(i)` signs `message()`.
#[test_only]
module floe::bls_test_vectors;

/// The message the quorum signatures sign: "floe quorum test vector".
public fun message(): vector<u8> { b"floe quorum test vector" }

/// The address that registers node `i` (0xB1 + i).
public fun operator(i: u64): address {
    if (i == 0) @0xB1
    else if (i == 1) @0xB2
    else if (i == 2) @0xB3
    else @0xB4
}

/// 48-byte compressed G1 public key of node `i` (0..=3).
public fun pk(i: u64): vector<u8> {
    if (i == 0) x"b0ed4c65f7553c2961fee7d5f9daa40080256154aabd2f8ac375486874c501e9ac6adaba1e1b3da787180ac6c825a97d"
    else if (i == 1) x"986dc064bff4e4bcd78555389cdc495bc3936d33d49d7a4ac5afae843bbd847c2dadd87f90488ba1bcb9dff681b1f613"
    else if (i == 2) x"b4a4578d67034f4bd994dc09f0f543b956b8ea267891c98eb31e799b676423c6f2b4645daaa8c0cb544bd062f8797277"
    else x"99402fde2527ba44c7ae7e0ecca6c55b1b4ffe7b6714a51a8d4811f04adcd00418b23b55bc71c97cb05c99fd28d50d14"
}

/// Proof of possession of node `i`: its signature over `bcs(operator(i)) ‖ pk(i)`.
public fun pop(i: u64): vector<u8> {
    if (i == 0) x"92cd6c48ee31e4d0cca77de39d449439db8b2d66bded38782efc05a61056a5be48d6178bae47f9753722591e4d76ad0b07162b20787c8ed3284f01dac5513e171a77021c9b78b8ffa36c223e1178e58d98fef2d8419e139358c33f8df8ee215c"
    else if (i == 1) x"82056dedd4d32bc8ee9b60c70ef138fb88609642d6885b02084bc02578cb9d8e467272407457fb4dc4e77281a4d4da780a119985a2dcc1fe6eee7d118bb70b054307065fe661cd853ef8838b94901523f4e7065098abd340dbc14fea14039ba4"
    else if (i == 2) x"8d5d37c125becbc610b017587f3548ac5570eb14fc2ec5ea32eace91e63a146121da2097532573c32c1d8f38ced74f1b12d21f29fd209c7727c262597c5e82b0cf6150f71506b192cc84e118a0c5c9c64d5500e5bf9455619c1c16184eb10d23"
    else x"9374f1484fe0be759840fb0d0705c773166b3288e47e2a4ef9cde62ae0fcefb0e05d8c836824d84054f4223ca1090b5b0f23d1c585dba7ba60bbb285c9a5f1534970cb82026fa8e460999729afbd68c121c3d604decb3d36020dd30b31c3abdf"
}

/// Node `i`'s signature of `message()`.
public fun sig(i: u64): vector<u8> {
    if (i == 0) x"98be3f057e15642eee834ffdcd3d9d32514f96b574555447b7d1da34531ff3fbf6331000054d6be6379fc80215bc504d18139f863daee5552b302cb20b7d13e11ed6db8ed107967d0fa7a16e2de6507ebae14932d6e789bde1bfa0c579d4af20"
    else if (i == 1) x"b04848b7cfb46c5c08b0b051ae282720ad6ff9a3bdff407331c5d022ba0e86f30912af89323121cfc7a91d92500a833f157a09bb8e83b1e75143f1b299f8594cb9ed76162692edff37f8725d368065327f9881b999f9bec33b0464c0d17d8645"
    else if (i == 2) x"ac8fc27edbad8308f799c5d3f6ae367a49288ece72b444bd8d8653ce2f6d99fd5a5d3042ae0ac22c88e794dc3145f0550eb0d3aab6ef1ff8881ece921839f4ac1fdf5d9291919e83824bf459344ebe3bf09b07bd7a77a86e81b95d045cb6731e"
    else x"b865d5f6f2e2754503cae6b20f3bf8ffd4a0b3ef65612c2802ea024fcfbec55f962b34734427c78038f791a226d37b6300996c90bf7cf7e03384592ccbb494fd91a411b7a1d37286e7268b226729d0f4c1ad312c82f6b25d5e33db5013ba8d0b"
}

/// Aggregate signature of `message()` by all four nodes except node `i`.
public fun agg_without(i: u64): vector<u8> {
    if (i == 0) x"abb1d66b1d347bc3eb600d986b4f1dd0c23972e15e1b7966f820aaccd4648a6c2bc2c1f51706c0019187ac05913bb6b805ca837c49570f9a28588d70c3ac346d5a3d9002a1556a807b2365080bd88e73c404c4274dcc37d3e6f377a8712ba558"
    else if (i == 1) x"870649fbe89035a8d921a318dd565455a4036df43367a201799a0c31f3458654a55e470ff086f3728fdf626d02dbb22803c9f84c93df15054b02f542a74d3c8bdbcd2ee54d50c52e660fb50ddd9713734225d4ffec511d634167244306d16a90"
    else if (i == 2) x"aea0ddf2389169e51a62a0d024bad75859c8ec73933bb9221f20c1b5f524cb86f2ea4426fe97af62586c6ecee59c17d0094cc3ed9872a82225a4d5c12a3fdd171bddac050a29f0c4ce90ba33101456eb7e87a7ecc6cf9dea6c5904e703f8f297"
    else x"ae5fb376b155c9852cadcacee4810b93e9168560d140bbc526632ea43d21c3b5ada10f5256885a486b28fab5461a3d611198ff35642c9da19330ed02dff132c7cf70d11987beb331bfa6f0c1d11fc353002fbb7da983e574d70974991578bf16"
}

/// Aggregate signature of `message()` by all four nodes.
public fun agg_all(): vector<u8> {
    x"af73d4fe04056e74fdc58f0f844146b40047a32e2d769585c48f698f305ddf70eb30f84c5c0b0b425c384dd08ad943e50dbf994e0c4252709abcfb682a6f7e436aae48140fd2ddd8ff34f8f937cf1a6ea9ecb731e6015e6a21fe2fd979dd4809"
}
