//! The store's promises: one process at a time, corruption reported and never overwritten.

use sift_core::store::{Store, StoreError};
use sift_core::{Engine, Error};

#[test]
fn a_second_open_of_the_same_store_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let first = Store::open(&path).unwrap();
    match Store::open(&path) {
        Err(StoreError::InUse(p)) => assert_eq!(p, path),
        Err(other) => panic!("expected InUse, got {other}"),
        Ok(_) => panic!("expected InUse, got a second store"),
    }
    drop(first);
    Store::open(&path).expect("free again once the first is closed");
}

#[test]
fn in_use_message_is_actionable() {
    let dir = tempfile::tempdir().unwrap();
    let _engine = Engine::open(dir.path()).unwrap();
    let err = Engine::open(dir.path())
        .err()
        .expect("second engine must fail");
    assert!(matches!(err, Error::Store(StoreError::InUse(_))));
    assert!(err.is_store_in_use(), "what the faces ask to stop at once");
    assert!(
        err.to_string().contains("in use by another Sift process"),
        "{err}"
    );
}

#[test]
fn a_corrupt_store_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    drop(Store::open(&path).unwrap());
    // Overwrite the database file with garbage of the same size.
    let db = path.join("db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    let garbage: Vec<u8> = (0..len.max(4096)).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&db, &garbage).unwrap();
    let conf = std::fs::read(path.join("conf")).unwrap();

    let err = match Store::open(&path) {
        Err(e) => e,
        Ok(_) => panic!("a garbage store must not open"),
    };
    assert!(
        matches!(err, StoreError::Corrupt { .. }),
        "unexpected: {err}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()) && message.contains("corrupt"),
        "{message}"
    );
    assert!(
        std::fs::read(&db).unwrap() == garbage,
        "the corrupt file was modified"
    );
    assert!(std::fs::read(path.join("conf")).unwrap() == conf);
    assert!(
        !Error::from(err).is_store_in_use(),
        "a corrupt store is not one another process holds"
    );
    // Asking again gives the same answer: nothing was "repaired" in between.
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::Corrupt { .. })
    ));
}
