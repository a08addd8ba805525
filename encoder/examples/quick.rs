use std::time::Instant;
fn main() {
    let size: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let config = floe_encoder::EncodingConfig::new(1000).unwrap();
    let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
    for _ in 0..3 {
        let t = Instant::now();
        let id = floe_encoder::blob_id(&config, &data).unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let (_m, _p) = floe_encoder::encode(&config, &data).unwrap();
        println!("{id} blob_id {:?} encode {:?}", a, t.elapsed());
    }
}
