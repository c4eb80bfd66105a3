//! Table definitions shared by both backends (portable column types only).

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        identity_number -> Text,
        name -> Text,
        ivo_permit -> Nullable<Bool>,
        f_tax -> Nullable<Bool>,
        internal_cutoff_day -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paxml_codes -> Text,
        next_postid -> BigInt,
    }
}

diesel::table! {
    assistance_users (id) {
        id -> Text,
        organisation_id -> Text,
        personnummer -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        hours_per_week_centi -> BigInt,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        grant_period_months -> Integer,
        rate_kind -> Text,
        higher_rate_ore -> Nullable<BigInt>,
        double_hours_per_week_centi -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assistants (id) {
        id -> Text,
        organisation_id -> Text,
        personnummer -> Text,
        name -> Text,
        lives_in_eea -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    employments (id) {
        id -> Text,
        organisation_id -> Text,
        assistant_id -> Text,
        assistance_user_id -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        registered_with_fk_on -> Nullable<Date>,
        shares_household -> Bool,
        working_time_rule -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        working_time_limit_centi -> Nullable<BigInt>,
        working_time_reference_days -> Nullable<Integer>,
    }
}

diesel::table! {
    rates (year) {
        year -> Integer,
        ore_per_hour -> BigInt,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        content_hash -> Nullable<Text>,
        reason -> Nullable<Text>,
        at -> Timestamp,
        request_id -> Nullable<Text>,
        subject_ids -> Nullable<Text>,
    }
}

diesel::table! {
    event_log_head (id) {
        id -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        organisation_id -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        data -> Text,
    }
}

diesel::table! {
    deadline_event_marks (organisation_id, item, day) {
        organisation_id -> Text,
        item -> Text,
        day -> Date,
    }
}

diesel::table! {
    write_lock (id) {
        id -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    time_reports (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        month -> Text,
        current_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    time_report_versions (id) {
        id -> Text,
        report_id -> Text,
        version -> Integer,
        received_at -> Timestamp,
        submitted_by -> Text,
        correction_reason -> Nullable<Text>,
        content_hash -> Text,
        due_date -> Date,
        internal_due_date -> Date,
        on_time -> Bool,
        row_count -> Integer,
        active_minutes -> BigInt,
        waiting_minutes -> BigInt,
        standby_minutes -> BigInt,
        payable_units -> BigInt,
        not_payable_units -> BigInt,
        warnings -> Text,
        warning_counts -> Text,
        voided_at -> Nullable<Timestamp>,
        void_reason -> Nullable<Text>,
    }
}

diesel::table! {
    time_report_days (version_id, assistant_id, work_date) {
        version_id -> Text,
        assistant_id -> Text,
        work_date -> Date,
        payable_units -> BigInt,
        not_payable_units -> BigInt,
        double_units -> BigInt,
        working_minutes -> BigInt,
    }
}

diesel::table! {
    time_report_rows (version_id, row_index) {
        version_id -> Text,
        row_index -> Integer,
        assistant_id -> Text,
        work_date -> Date,
        start_time -> Text,
        end_time -> Text,
        kind -> Text,
        is_double -> Bool,
        hospital -> Bool,
        start_utc -> Timestamp,
        end_utc -> Timestamp,
        minutes -> BigInt,
        payable -> Bool,
        postid -> Integer,
        clock_assumed -> Bool,
        unpaid_minutes -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (organisation_id, scope, idempotency_key) {
        organisation_id -> Text,
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
        location -> Nullable<Text>,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        month -> Text,
        current_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invoice_versions (id) {
        id -> Text,
        invoice_id -> Text,
        version -> Integer,
        received_at -> Timestamp,
        submitted_by -> Text,
        content_hash -> Text,
        due_date -> Date,
        internal_due_date -> Date,
        on_time -> Bool,
        invoice_number -> Nullable<Text>,
        time_report_id -> Text,
        time_report_version -> Integer,
        payable_hundredths -> BigInt,
        sek_per_hour_ore -> Nullable<BigInt>,
        amount_ore -> BigInt,
        computed_amount_ore -> BigInt,
        costs -> Nullable<Text>,
        hospital_days -> Text,
        lines -> Text,
        summary -> Text,
        basis_token -> Text,
        grant_periods -> Text,
        warnings -> Text,
    }
}

diesel::table! {
    document_blobs (sha256) {
        sha256 -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    employment_documents (id) {
        id -> Text,
        organisation_id -> Text,
        employment_id -> Text,
        kind -> Text,
        sha256 -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        filename -> Nullable<Text>,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    representatives (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        personnummer -> Text,
        name -> Text,
        kind -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signatories (id) {
        id -> Text,
        organisation_id -> Text,
        personnummer -> Text,
        name -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sign_payloads (document, document_id, version, assistant_id) {
        document -> Text,
        document_id -> Text,
        version -> Integer,
        assistant_id -> Text,
        organisation_id -> Text,
        text -> Text,
        payload_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    time_report_signatures (id) {
        id -> Text,
        organisation_id -> Text,
        report_id -> Text,
        version -> Integer,
        assistant_id -> Text,
        role -> Text,
        signer_personnummer -> Text,
        signer_name -> Text,
        signer_capacity -> Text,
        method -> Text,
        signed_at -> Timestamp,
        payload_hash -> Text,
        evidence -> Nullable<Text>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::table! {
    invoice_signatures (id) {
        id -> Text,
        organisation_id -> Text,
        invoice_id -> Text,
        version -> Integer,
        role -> Text,
        signer_personnummer -> Text,
        signer_name -> Text,
        signer_capacity -> Text,
        method -> Text,
        signed_at -> Timestamp,
        payload_hash -> Text,
        evidence -> Nullable<Text>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::table! {
    month_closures (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        month -> Text,
        time_report_id -> Text,
        time_report_version -> Integer,
        invoice_id -> Text,
        invoice_version -> Integer,
        closed_at -> Timestamp,
        closed_by -> Text,
        reopened_at -> Nullable<Timestamp>,
        reopened_by -> Nullable<Text>,
        reopen_reason -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_invites (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        csrf_token -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    late_exceptions (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        month -> Text,
        fk_reference -> Text,
        decided_on -> Date,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        organisation_id -> Nullable<Text>,
        name -> Text,
        role -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    change_notices (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        kind -> Text,
        occurred_on -> Date,
        due_date -> Date,
        reported_to_fk_on -> Nullable<Date>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        organisation_id -> Text,
        assistance_user_id -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        payee -> Text,
        sent_to_fk_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        organisation_id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cursor_seq -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_seq -> BigInt,
        event_id -> Text,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        first_attempt_at -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(assistance_users -> organisations (organisation_id));
diesel::joinable!(decisions -> assistance_users (assistance_user_id));
diesel::joinable!(assistants -> organisations (organisation_id));
diesel::joinable!(employments -> assistants (assistant_id));
diesel::joinable!(time_reports -> assistance_users (assistance_user_id));
diesel::joinable!(time_report_versions -> time_reports (report_id));
diesel::joinable!(time_report_rows -> time_report_versions (version_id));
diesel::joinable!(time_report_rows -> assistants (assistant_id));
diesel::joinable!(time_report_days -> time_report_versions (version_id));
diesel::joinable!(time_report_days -> assistants (assistant_id));

diesel::joinable!(invoice_versions -> invoices (invoice_id));
diesel::joinable!(account_invites -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(employment_documents -> employments (employment_id));
diesel::joinable!(employment_documents -> document_blobs (sha256));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    assistance_users,
    decisions,
    assistants,
    employments,
    rates,
    audit_log,
    event_log_head,
    events,
    deadline_event_marks,
    write_lock,
    time_reports,
    time_report_versions,
    time_report_rows,
    time_report_days,
    idempotency_keys,
    invoices,
    invoice_versions,
    document_blobs,
    employment_documents,
    representatives,
    signatories,
    sign_payloads,
    time_report_signatures,
    invoice_signatures,
    month_closures,
    accounts,
    account_invites,
    sessions,
    late_exceptions,
    api_keys,
    change_notices,
    agreements,
    webhooks,
    webhook_deliveries,
);
