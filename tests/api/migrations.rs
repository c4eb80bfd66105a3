//! Every migration's `down.sql` undoes its `up.sql`: up, down, up again on
//! both databases, and the register works afterwards.

use redovisa::db::{revert_all_migrations, run_migrations, DatabaseUrl};

use crate::db_test;
use crate::fixtures;
use crate::helpers::*;

async fn migrations_go_down_and_up_again(app: TestApp) {
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let reverted = actix_web::rt::task::spawn_blocking(move || {
        let n = revert_all_migrations(&url).unwrap();
        run_migrations(&url).unwrap();
        n
    })
    .await
    .unwrap();
    let versions = |backend: &str| {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        versions("sqlite"),
        versions("postgresql"),
        "one folder per backend with the same versions"
    );
    assert_eq!(reverted, versions("sqlite").len());
    // The rate table is filled again and the register works.
    let rates = expect(&app.get("/api/v1/rates", &app.auditor()).await, 200);
    assert_eq!(rates.as_array().unwrap().len(), 12);
    let w = fixtures::world(&app, 1).await;
    expect(
        &app.get(
            &format!("/api/v1/assistance-users/{}", w.user),
            &w.org.token,
        )
        .await,
        200,
    );
}
db_test!(migrations_go_down_and_up_again);
