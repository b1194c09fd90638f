//! The plugins' key-value store on both backends: namespaces, quotas, expiry.

use roost::store::{KvQuota, KvRefusal, Namespace, Store};

use crate::support;

const QUOTA: KvQuota = KvQuota { max_key_bytes: 16, max_value_bytes: 64, max_keys: 3, max_total_bytes: 100 };

fn ns(workspace: &str, plugin: &str) -> Namespace {
    Namespace { workspace: workspace.into(), plugin: plugin.into() }
}

async fn namespaces_quotas_and_expiry(store: Store) {
    let a = ns("acme", "mastodon");
    store.kv_set(&a, "cursor", b"110", None, &QUOTA).await.unwrap();
    assert_eq!(store.kv_get(&a, "cursor").await.unwrap().as_deref(), Some(&b"110"[..]));
    assert_eq!(store.kv_get(&ns("acme", "bluesky"), "cursor").await.unwrap(), None);
    assert_eq!(store.kv_get(&ns("globex", "mastodon"), "cursor").await.unwrap(), None);

    assert!(matches!(store.kv_set(&a, "k", &[0; 65], None, &QUOTA).await, Err(KvRefusal::TooLarge)));
    assert!(matches!(store.kv_set(&a, "a-key-longer-than-16", b"v", None, &QUOTA).await, Err(KvRefusal::TooLarge)));
    store.kv_set(&a, "two", b"2", None, &QUOTA).await.unwrap();
    store.kv_set(&a, "three", b"3", None, &QUOTA).await.unwrap();
    assert!(matches!(store.kv_set(&a, "four", b"4", None, &QUOTA).await, Err(KvRefusal::QuotaExceeded)));
    // Overwriting a key does not count it twice.
    store.kv_set(&a, "three", b"33", None, &QUOTA).await.unwrap();
    store.kv_delete(&a, "two").await.unwrap();
    store.kv_set(&a, "four", &[b'x'; 60], None, &QUOTA).await.unwrap();
    assert!(matches!(store.kv_set(&a, "three", &[b'y'; 40], None, &QUOTA).await, Err(KvRefusal::QuotaExceeded)));

    let b = ns("acme", "rss");
    store.kv_set(&b, "seen", b"1", Some(1), &QUOTA).await.unwrap();
    assert!(store.kv_get(&b, "seen").await.unwrap().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(store.kv_get(&b, "seen").await.unwrap(), None, "an expired key is gone");
}

#[tokio::test]
async fn sqlite_kv() {
    let dir = tempfile::tempdir().unwrap();
    namespaces_quotas_and_expiry(
        Store::connect(&format!("sqlite://{}", dir.path().join("kv.db").display())).await.unwrap(),
    )
    .await;
}

#[tokio::test]
async fn postgres_kv() {
    namespaces_quotas_and_expiry(Store::connect(&support::pg_url().await).await.unwrap()).await;
}
