//! Encrypt and decrypt throughput of a model-sized object (64 MiB, AES-256-GCM, 3 of 4 key
//! servers) and the cost of the per-object key work (encapsulation, share opening).
//! `cargo bench -p floe-crypto`; figures go to crypto/README.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use floe_crypto::{MasterSecret, ObjectId, PublicKey, decrypt, derive_user_key, encrypt, full_id};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SIZE: usize = 64 << 20;

fn throughput(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let masters: Vec<MasterSecret> = (0..4).map(|_| MasterSecret::generate(&mut rng)).collect();
    let servers: Vec<(ObjectId, PublicKey)> = masters
        .iter()
        .enumerate()
        .map(|(i, m)| ([i as u8 + 1; 32], m.public_key()))
        .collect();
    let package = [7u8; 32];
    let id = [9u8; 32];
    let data: Vec<u8> = (0..SIZE).map(|i| (i * 31 + 7) as u8).collect();
    let (object, _) = encrypt(&package, &id, &servers, 3, &data, None, &mut rng).expect("encrypts");
    let keys: Vec<_> = masters[..3]
        .iter()
        .zip(&servers)
        .map(|(m, (sid, _))| (*sid, derive_user_key(m, &full_id(&package, &id))))
        .collect();

    let mut group = c.benchmark_group("64 MiB, 3 of 4");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("encrypt", |b| {
        b.iter(|| encrypt(&package, &id, &servers, 3, &data, None, &mut rng).expect("encrypts"))
    });
    group.bench_function("decrypt", |b| {
        b.iter(|| decrypt(&object, &keys).expect("decrypts"))
    });
    group.finish();

    let mut group = c.benchmark_group("key work, 3 of 4");
    let small = encrypt(&package, &id, &servers, 3, b"", None, &mut rng)
        .expect("encrypts")
        .0;
    group.bench_function("encrypt empty object", |b| {
        b.iter(|| encrypt(&package, &id, &servers, 3, b"", None, &mut rng).expect("encrypts"))
    });
    group.bench_function("decrypt empty object", |b| {
        b.iter(|| decrypt(&small, &keys).expect("decrypts"))
    });
    group.bench_function("derive user key", |b| {
        b.iter(|| derive_user_key(&masters[0], &full_id(&package, &id)))
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
