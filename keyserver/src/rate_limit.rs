//! Per-client request rates: a token bucket per client IP address, so that one client cannot
//! keep the server simulating transactions for everyone else.
//!
//! An IPv6 client is counted by its /64 network, not its address: a /64 is what one host or
//! one customer gets, and any address in it is the client's for the asking, so a bucket per
//! address would give a single IPv6 host 2⁶⁴ buckets (as many bursts as addresses it cares to
//! use). An IPv4-mapped IPv6 address is its IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Instant;

/// Most clients tracked at once; past it, buckets that have refilled are forgotten.
const MAX_CLIENTS: usize = 10_000;

/// `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: 10.0,
            burst: 40.0,
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket at `now`; `Err(seconds)` until one is free.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let client = client_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let limit = self.limit;
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * limit.per_second
                    < limit.burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.limit.burst, now));
        let refilled = (*tokens
            + now.saturating_duration_since(*at).as_secs_f64() * self.limit.per_second)
            .min(self.limit.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / self.limit.per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The bucket `ip` counts against: an IPv4 address itself, an IPv6 address's /64 network.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(a, t), Ok(()));
        }
        assert_eq!(limiter.take(a, t), Err(1));
        // Another client has its own bucket.
        assert_eq!(limiter.take(b, t), Ok(()));
        // Half a second refills one request at 2/s.
        assert_eq!(limiter.take(a, t + Duration::from_millis(500)), Ok(()));
        assert!(limiter.take(a, t + Duration::from_millis(500)).is_err());
    }

    /// One IPv6 host may use every address of its /64: each used to get a bucket of its own, so
    /// fresh addresses bypassed the rate entirely. They now share their network's bucket.
    #[test]
    fn an_ipv6_network_shares_one_bucket() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 2.0,
        });
        let t = Instant::now();
        let host = |last: u16| -> IpAddr {
            Ipv6Addr::new(0x2001, 0xdb8, 0, 7, 0xdead, 0xbeef, 0, last).into()
        };
        assert_eq!(limiter.take(host(1), t), Ok(()));
        assert_eq!(limiter.take(host(2), t), Ok(()));
        assert_eq!(
            limiter.take(host(3), t),
            Err(1),
            "a fresh address of the same /64"
        );
        // Another /64 is another client.
        let neighbour: IpAddr = Ipv6Addr::new(0x2001, 0xdb8, 0, 8, 0, 0, 0, 1).into();
        assert_eq!(limiter.take(neighbour, t), Ok(()));
        // An IPv4-mapped address is the IPv4 client.
        let v4: IpAddr = [192, 0, 2, 1].into();
        let mapped: IpAddr = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201).into();
        assert_eq!(limiter.take(v4, t), Ok(()));
        assert_eq!(limiter.take(mapped, t), Ok(()));
        assert_eq!(limiter.take(v4, t), Err(1));
    }
}
