using System.Globalization;
using System.Text.RegularExpressions;

namespace LmsCloud.Core.Compliance;

// The district's data map: every table that holds a person's data, what kind of data it is, how it is exported, how it
// is erased and how long it is kept. One readable table (DataMap.Entries below), checked against the database catalog
// by DataMapCoverageTests and rendered into docs/data-map.md (DataMapDocument). Exports, retention and legal holds read
// it; a table added without an entry fails CI, naming the table (docs/compliance.md).

public enum DataCategory { Identity, Credentials, Roster, Demographics, Audit, ImportArtefacts, Compliance, Learning }

/// <summary>How a column names a person.</summary>
public enum PersonKeyKind
{
    /// <summary>A uuid: our id of the user.</summary>
    UserId,

    /// <summary>Text holding our id of the user (OpenIddict's subject, the audit log's actor).</summary>
    UserIdText,

    /// <summary>Text <c>user:{id}</c>, how import runs name who asked.</summary>
    ActorRef,

    /// <summary>Text holding the person's SIS sourcedId (external_ids.external_id of the user).</summary>
    SourcedId,

    /// <summary>Identifies the person elsewhere (their subject at an identity provider); rows are found by the table's other keys.</summary>
    ElsewhereId,
}

public sealed record PersonKey(string Column, PersonKeyKind Kind, string Meaning);

public enum ErasureMethod
{
    /// <summary>The person's rows are deleted.</summary>
    DeleteRows,

    /// <summary>The person's rows stay (others' records point at them); the listed columns are nulled or replaced.</summary>
    Anonymise,

    /// <summary>Kept on erasure, for the reason stated (the audit chain, proof of the request).</summary>
    Keep,

    /// <summary>Rows cannot be attributed to one person by a key; they go only by the table's retention rule.</summary>
    ByRetentionOnly,
}

/// <summary>How one person's data in a table is erased. <see cref="Replace"/>: column → SQL value (<c>null</c>, <c>'erased-' || id</c>).</summary>
public sealed record ErasureRule(ErasureMethod Method, string How, IReadOnlyDictionary<string, string>? Replace = null);

/// <summary>What a retention period counts from.</summary>
public enum RetentionEvent
{
    /// <summary>The SIS marked the person tobedeleted (or a local account was disabled).</summary>
    PersonDeparted,

    /// <summary>The enrollment's end date, else the end of its class's last term.</summary>
    EnrollmentEnded,

    /// <summary>The import run finished.</summary>
    ImportRunFinished,

    /// <summary>The token, link or credential expired or was revoked.</summary>
    CredentialEnded,

    /// <summary>The event occurred.</summary>
    Occurred,

    /// <summary>The compliance request was closed (completed, rejected, cancelled or expired).</summary>
    RequestClosed,

    /// <summary>The student's record itself was erased.</summary>
    StudentRecordErased,
}

/// <summary>A limit a district's policy cannot go below: no earlier than <see cref="Period"/> (when given) after <see cref="CountsFrom"/>.</summary>
public sealed record RetentionFloor(string? Period, RetentionEvent CountsFrom, string Why);

/// <summary>The default retention: <see cref="Period"/> (ISO-8601) after <see cref="CountsFrom"/>, never below any floor.</summary>
public sealed record RetentionRule(string Period, RetentionEvent CountsFrom, params RetentionFloor[] Floors)
{
    /// <summary>
    /// Why no retention run deletes this table's rows when the period has passed (another job does, or they are kept as
    /// proof); null when a run's item kind purges it (<c>RetentionRuns.PurgedTables</c>; a test checks one or the other).
    /// </summary>
    public string? NotPurgedByRuns { get; init; }

    /// <summary>Null when a district may keep this data for <paramref name="period"/>, else why not (malformed, or below a floor).</summary>
    public string? Check(string period)
    {
        if (!IsoPeriod.TryParse(period, out var proposed)) return $"'{period}' is not an ISO-8601 period such as P1Y, P6M or P90D.";
        foreach (var floor in Floors)
        {
            if (floor.CountsFrom != CountsFrom)
                continue; // a floor on another event (the student record's lifetime) holds whatever the period
            if (floor.Period != null && proposed.CompareTo(IsoPeriod.Parse(floor.Period)) < 0)
                return $"{period} is below the floor of {floor.Period}: {floor.Why}";
        }
        return null;
    }
}

/// <summary>A column kept out of every export, and why.</summary>
public sealed record Withheld(string Column, string Why);

/// <summary>One table of the data map.</summary>
/// <param name="RowsWhere">A condition narrowing the table to person rows (external_ids: <c>entity_type = 'users'</c>), or null.</param>
public sealed record DataMapEntry(
    string Table,
    DataCategory Category,
    string Holds,
    IReadOnlyList<PersonKey> PersonKeys,
    string? RowsWhere,
    IReadOnlyList<string> Exported,
    IReadOnlyList<Withheld> Withheld,
    ErasureRule Erasure,
    RetentionRule Retention)
{
    /// <summary>
    /// The SQL condition selecting one person's rows, the person's id being the parameter <c>$1</c> (uuid); null when the
    /// table's rows cannot be attributed to a person by a key (they come only in a district export).
    /// </summary>
    public string? PersonRowsSql()
    {
        var keys = PersonKeys.Where(k => k.Kind != PersonKeyKind.ElsewhereId).ToList();
        if (keys.Count == 0) return null;
        var any = string.Join(" or ", keys.Select(k => k.Kind switch
        {
            PersonKeyKind.UserId => $"{k.Column} = $1",
            PersonKeyKind.UserIdText => $"{k.Column} = $1::text",
            PersonKeyKind.ActorRef => $"{k.Column} = 'user:' || $1::text",
            PersonKeyKind.SourcedId => $"{k.Column} in (select x.external_id from external_ids x where x.entity_type = 'users' and x.internal_id = $1)",
            _ => throw new ArgumentOutOfRangeException(nameof(k)),
        }));
        return RowsWhere == null ? $"({any})" : $"({any}) and ({RowsWhere})";
    }
}

/// <summary>A table deliberately outside the map, and why (a prefix ending in <c>*</c> names a family of tables).</summary>
public sealed record ExcludedTable(string Table, string Why);

public static class DataMap
{
    /// <summary>
    /// The rule for "holds a person key", applied to every table of the public schema: a column that is part of a foreign
    /// key to <c>users</c>, or whose name is one of <see cref="PersonKeyNames"/> or ends with one of
    /// <see cref="PersonKeySuffixes"/>; and the <c>users</c> table itself. Such a table needs an entry naming each such
    /// column among its <see cref="DataMapEntry.PersonKeys"/>, or a place in <see cref="Excluded"/>.
    /// </summary>
    public static readonly IReadOnlyList<string> PersonKeyNames =
        ["user_id", "student_id", "guardian_id", "subject", "internal_id", "external_id", "created_by", "requested_by"];

    /// <inheritdoc cref="PersonKeyNames"/>
    public static readonly IReadOnlyList<string> PersonKeySuffixes = ["_user_id", "actor_id"];

    /// <summary>Secrets: never in any export, whatever an entry says (a test checks no entry exports one).</summary>
    public static readonly IReadOnlyList<string> SecretColumns =
        ["password_hash", "security_stamp", "concurrency_stamp", "token_hash", "secret_hash", "payload", "reference_id", "client_secret", "client_secret_protected"];

    /// <summary>Every table's <c>tenant_id</c> is left out of exports: the export's manifest names the district once.</summary>
    public const string TenantColumn = "tenant_id";

    public static readonly IReadOnlyList<ExcludedTable> Excluded =
    [
        new("tenants", "The districts themselves (platform): names and host slugs of districts, no person."),
        new("schema_migrations", "The migration runner's record of applied files (platform)."),
        new("data_protection_keys", "The key ring of browser-session cookies shared by every district (platform): keys, no person."),
        new("qrtz_*", "Quartz.NET's clustered scheduler state (platform): job and trigger names, no person."),
        new("grade_refresh_marks", "How far the score refresh job has looked for passed due dates, one time per district: bookkeeping, no person."),
    ];

    const string Secret = "Secret: a credential, never exported.";
    const string Derived = "Derived copy (upper-cased for lookup) of an exported column.";
    const string Internal = "Internal bookkeeping of the library that owns the row; means nothing outside it.";

    static readonly Dictionary<string, string> Nothing = [];

    static RetentionRule WithThePerson => new("P1Y", RetentionEvent.PersonDeparted);

    public static readonly IReadOnlyList<DataMapEntry> Entries =
    [
        // ---- Identity -----------------------------------------------------------------------------------------------
        new("users", DataCategory.Identity, "The person's account and roster identity: names, user name, email, phone, grades.",
            [new("id", PersonKeyKind.UserId, "the person")], null,
            ["id", "user_name", "email", "email_confirmed", "display_name", "given_name", "family_name", "middle_name", "identifier", "grades",
             "phone", "sms", "source", "status", "enabled_user", "locally_edited", "lockout_enabled", "lockout_end", "access_failed_count",
             "created_at", "updated_at", "departed_at"],
            [new("normalized_user_name", Derived), new("normalized_email", Derived), new("password_hash", Secret),
             new("security_stamp", Secret), new("concurrency_stamp", Internal)],
            new(ErasureMethod.Anonymise,
                "The row stays, so the ids that enrollments, requests and the audit log hold point at an account with nothing personal left: " +
                "names, email, phone and identifiers nulled or replaced by 'erased-{id}', password removed, sign-in impossible.",
                new Dictionary<string, string>
                {
                    ["user_name"] = "'erased-' || id", ["normalized_user_name"] = "'ERASED-' || upper(id::text)", ["email"] = "null",
                    ["normalized_email"] = "null", ["display_name"] = "'Erased person'", ["given_name"] = "null", ["family_name"] = "null",
                    ["middle_name"] = "null", ["identifier"] = "null", ["grades"] = "null", ["phone"] = "null", ["sms"] = "null",
                    ["password_hash"] = "null", ["security_stamp"] = "gen_random_uuid()::text", ["enabled_user"] = "false",
                    ["status"] = "'tobedeleted'",
                }),
            WithThePerson),

        new("user_roles", DataCategory.Identity, "The person's roles in the district (DistrictAdmin, Teacher, Student, Guardian...).",
            [new("user_id", PersonKeyKind.UserId, "the person")], null,
            ["user_id", "role", "source", "granted_at"], [],
            new(ErasureMethod.DeleteRows, "The person's roles are deleted.", Nothing),
            WithThePerson),

        new("sso_links", DataCategory.Identity, "The person's account at the district's identity provider (issuer and subject).",
            [new("user_id", PersonKeyKind.UserId, "the person"), new("subject", PersonKeyKind.ElsewhereId, "the person at the provider")], null,
            ["id", "user_id", "provider_id", "issuer", "subject", "linked_by", "created_at", "last_sign_in_at"], [],
            new(ErasureMethod.DeleteRows, "The person's links are deleted.", Nothing),
            WithThePerson),

        // ---- Credentials --------------------------------------------------------------------------------------------
        new("password_reset_tokens", DataCategory.Credentials, "One-time password reset tokens issued to the person, and by whom.",
            [new("user_id", PersonKeyKind.UserId, "the person the token is for"), new("created_by", PersonKeyKind.UserId, "the admin who issued it")],
            null,
            ["id", "user_id", "created_at", "created_by", "expires_at", "used_at"], [new("token_hash", Secret)],
            new(ErasureMethod.DeleteRows, "Tokens for the person are deleted; tokens the person issued to others keep the row with created_by nulled.",
                new Dictionary<string, string> { ["created_by"] = "null" }),
            new("P30D", RetentionEvent.CredentialEnded)),

        new("openiddict_authorizations", DataCategory.Credentials, "The person's sign-ins and consents to apps (OpenIddict).",
            [new("subject", PersonKeyKind.UserIdText, "the person signed in")], null,
            ["id", "application_id", "creation_date", "scopes", "status", "subject", "type"],
            [new("concurrency_token", Internal), new("properties", Internal)],
            new(ErasureMethod.DeleteRows, "The person's authorizations (and with them their tokens) are deleted.", Nothing),
            new("P1D", RetentionEvent.CredentialEnded) { NotPurgedByRuns =
                "OpenIddict's own pruning (the token-pruning job, nightly at 03:15 UTC) deletes ended authorizations a day after they end." }),

        new("openiddict_tokens", DataCategory.Credentials, "Access and refresh tokens issued to the person (OpenIddict).",
            [new("subject", PersonKeyKind.UserIdText, "the person the token was issued to")], null,
            ["id", "application_id", "authorization_id", "creation_date", "expiration_date", "redemption_date", "status", "subject", "type"],
            [new("payload", Secret), new("reference_id", Secret), new("concurrency_token", Internal), new("properties", Internal)],
            new(ErasureMethod.DeleteRows, "The person's tokens are deleted.", Nothing),
            new("P1D", RetentionEvent.CredentialEnded) { NotPurgedByRuns =
                "OpenIddict's own pruning (the token-pruning job, nightly at 03:15 UTC) deletes ended tokens a day after they end." }),

        new("integration_clients", DataCategory.Credentials, "Integration clients (SIS automation); a person appears as the admin who created one.",
            [new("created_by", PersonKeyKind.UserId, "the admin who created the client")], null,
            ["id", "client_id", "name", "scopes", "created_at", "created_by", "revoked_at"], [new("secret_hash", Secret)],
            new(ErasureMethod.Anonymise, "The client stays (it is the district's); created_by is nulled.",
                new Dictionary<string, string> { ["created_by"] = "null" }),
            new("P1Y", RetentionEvent.CredentialEnded)),

        // ---- Roster -------------------------------------------------------------------------------------------------
        new("user_orgs", DataCategory.Roster, "The person's schools and their role at each.",
            [new("user_id", PersonKeyKind.UserId, "the person")], null,
            ["user_id", "org_id", "role", "role_type", "begin_date", "end_date"], [],
            new(ErasureMethod.DeleteRows, "The person's memberships are deleted.", Nothing),
            WithThePerson),

        new("guardian_links", DataCategory.Roster, "Which guardians a student has (both sides are people).",
            [new("student_id", PersonKeyKind.UserId, "the student"), new("guardian_id", PersonKeyKind.UserId, "the guardian")], null,
            ["student_id", "guardian_id"], [],
            new(ErasureMethod.DeleteRows, "Links naming the person, on either side, are deleted.", Nothing),
            WithThePerson),

        new("enrollments", DataCategory.Roster, "The person's enrollments in classes, with role and dates.",
            [new("user_id", PersonKeyKind.UserId, "the person enrolled")], null,
            ["id", "class_id", "user_id", "school_id", "role", "is_primary", "begin_date", "end_date", "status", "updated_at"], [],
            new(ErasureMethod.DeleteRows, "The person's enrollments are deleted.", Nothing),
            new("P1Y", RetentionEvent.EnrollmentEnded)),

        new("external_ids", DataCategory.Roster, "The person's SIS identifiers (sourcedId) and their sync state.",
            [new("internal_id", PersonKeyKind.UserId, "the person (our id)"), new("external_id", PersonKeyKind.SourcedId, "the person's sourcedId")],
            "entity_type = 'users'",
            ["source_system", "entity_type", "external_id", "internal_id", "state", "first_run_id", "last_run_id"], [],
            new(ErasureMethod.DeleteRows, "The person's sourcedId mappings are deleted (a later import naming them creates a new, unrelated person).", Nothing),
            WithThePerson),

        // ---- Demographics -------------------------------------------------------------------------------------------
        new("demographics", DataCategory.Demographics, "Sensitive: birth date, sex, race/ethnicity flags and birthplace, as the SIS sent them.",
            [new("user_id", PersonKeyKind.UserId, "the person")], null,
            ["user_id", "birth_date", "sex", "flags", "status", "updated_at"], [],
            new(ErasureMethod.DeleteRows, "The person's row is deleted.", Nothing),
            WithThePerson),

        // ---- Import artefacts ---------------------------------------------------------------------------------------
        new("import_runs", DataCategory.ImportArtefacts, "Roster import runs; a person appears as who asked for one ('user:{id}').",
            [new("requested_by", PersonKeyKind.ActorRef, "who asked for the run")], null,
            ["id", "trigger", "dry_run", "status", "run_date", "package_name", "package_sha256", "oneroster_version", "manifest", "source_system",
             "requested_by", "progress_phase", "progress_percent", "counts", "findings", "warning_count", "error_count", "failure_reason", "history",
             "created_at", "started_at", "finished_at"],
            [new("package_path", "Where the platform stores the package: an internal storage location, not data about anyone.")],
            new(ErasureMethod.Anonymise, "The run stays (the district's history of imports); requested_by becomes 'erased'.",
                new Dictionary<string, string> { ["requested_by"] = "'erased'" }),
            new("P1Y", RetentionEvent.ImportRunFinished) { NotPurgedByRuns =
                "A run is the district's history of imports and the first and last run of every sourcedId mapping: retention purges its package, row errors and change list; the run's own row (counts, no values) stays." }),

        new("import_changes", DataCategory.ImportArtefacts, "What each import changed, with old and new values of the person's record.",
            [new("external_id", PersonKeyKind.SourcedId, "the sourcedId of the person changed")], "entity_type in ('users', 'demographics')",
            ["run_id", "seq", "entity_type", "external_id", "action", "old_values", "new_values"], [],
            new(ErasureMethod.DeleteRows,
                "Changes to the person's user and demographics records are deleted; enrollment changes that quote the person's sourcedId inside " +
                "their values go with their run's retention.", Nothing),
            new("P90D", RetentionEvent.ImportRunFinished)),

        new("import_row_errors", DataCategory.ImportArtefacts, "Findings of each import row; messages may quote values of the row (names, dates).",
            [], null,
            ["run_id", "seq", "severity", "file", "line", "column_name", "code", "message"], [],
            new(ErasureMethod.ByRetentionOnly, "A finding names a file and line, not a person: it is deleted with its run's findings by retention."),
            new("P90D", RetentionEvent.ImportRunFinished)),

        // ---- Audit --------------------------------------------------------------------------------------------------
        new("audit_events", DataCategory.Audit, "The district's hash-chained audit log: who did what to whom, with before and after values.",
            [new("actor_id", PersonKeyKind.UserIdText, "who acted"), new("real_actor_id", PersonKeyKind.UserIdText, "the person behind an impersonation"),
             new("subject_user_id", PersonKeyKind.UserId, "the person the event is about")], null,
            ["seq", "occurred_at", "actor_type", "actor_id", "real_actor_id", "action", "entity_type", "entity_id", "subject_user_id",
             "before_values", "after_values", "reason", "request_id", "client_address", "prev_hash", "hash", "hash_version", "payload_digest",
             "redacted_at"],
            [new("payload_salt", "Secret: the salt of the payload's commitment; with it a guessed payload could be confirmed.")],
            new(ErasureMethod.Keep,
                "Append-only and hash-chained: the events stay and name people by id. An erasure redacts the payload (before/after values, reason, " +
                "client address) of every event about, by or quoting the person: their name, user name and email become '[erased]' and the " +
                "salt is destroyed; the chain hashes a commitment to the payload, so it still verifies (docs/decisions/0020)."),
            new("P7Y", RetentionEvent.Occurred,
                new RetentionFloor("P1Y", RetentionEvent.Occurred, "sign-in and other authentication events are kept at least a year."),
                new RetentionFloor(null, RetentionEvent.StudentRecordErased,
                    "FERPA §99.32: the record of disclosures (and of grade changes) is kept as long as the student's record.")) { NotPurgedByRuns =
                "Never deleted by a run: the log is append-only and hash-chained, so deleting rows would break the chain; an erasure redacts the payloads of a person's events instead." }),

        // ---- Compliance ---------------------------------------------------------------------------------------------
        new("compliance_requests", DataCategory.Compliance, "Export, erasure and disclosure-log requests about the person, and who asked and decided.",
            [new("subject_user_id", PersonKeyKind.UserId, "the person the request is about"),
             new("requester_actor_id", PersonKeyKind.UserIdText, "who asked (a user's id)"),
             new("decider_user_id", PersonKeyKind.UserId, "the officer who decided")], null,
            ["id", "type", "state", "subject_user_id", "requester_actor_type", "requester_actor_id", "decider_user_id", "decided_at", "reason",
             "due_at", "created_at", "updated_at", "closed_at"], [],
            new(ErasureMethod.Keep, "Kept: the request is the district's proof that it answered (and, for an erasure, that it erased); it names people by id only."),
            new("P7Y", RetentionEvent.RequestClosed,
                new RetentionFloor(null, RetentionEvent.StudentRecordErased, "FERPA §99.32: a request for access is part of the disclosure record."))),

        new("compliance_request_events", DataCategory.Compliance, "The timeline of each request: state changes and dated comments, with who.",
            [new("actor_id", PersonKeyKind.UserIdText, "who moved or commented on the request")], null,
            ["request_id", "seq", "occurred_at", "actor_type", "actor_id", "from_state", "to_state", "comment"], [],
            new(ErasureMethod.Keep, "Kept with its request (above)."),
            new("P7Y", RetentionEvent.RequestClosed)),

        new("legal_holds", DataCategory.Compliance, "Legal holds on the district, a school, a class or the person: reason, who placed and released them.",
            [new("scope_id", PersonKeyKind.UserId, "the person held (scope_type 'person'; else a school or class)"),
             new("created_by", PersonKeyKind.UserId, "the officer who placed the hold"),
             new("released_by", PersonKeyKind.UserId, "the officer who released it")], null,
            ["id", "scope_type", "scope_id", "reason", "created_by", "created_at", "until", "released_at", "released_by", "release_reason"], [],
            new(ErasureMethod.Keep, "Kept: a hold is the district's legal record of why data was not deleted; it names people by id only."),
            new("P7Y", RetentionEvent.RequestClosed,
                new RetentionFloor(null, RetentionEvent.StudentRecordErased, "A hold's record is kept at least as long as the data it held.")) { NotPurgedByRuns =
                "Kept: a hold is the legal record of why data was not deleted, and the retention items it blocked point at it." }),

        new("retention_runs", DataCategory.Compliance, "Retention runs: when they were reported, who asked, approved and ran them, and their counts.",
            [new("requester_actor_id", PersonKeyKind.UserIdText, "who asked for the report (a user's id)"),
             new("approver_actor_id", PersonKeyKind.UserIdText, "the officer who approved the run")], null,
            ["id", "state", "trigger", "as_of", "created_at", "requester_actor_type", "requester_actor_id", "approved_at", "approver_actor_type",
             "approver_actor_id", "started_at", "finished_at", "counts", "failure_reason", "certificate_id"], [],
            new(ErasureMethod.Keep, "Kept: the run is the district's proof of what its retention policy deleted, and who approved it."),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns =
                "Kept: the proof of what retention deleted; it names people by id only." }),

        new("retention_run_items", DataCategory.Compliance, "What each retention run found due (a departed person by id), whether a hold blocked it, and the outcome.",
            [new("subject_user_id", PersonKeyKind.UserId, "the departed person an item erases")], null,
            ["run_id", "seq", "kind", "table_name", "target_id", "subject_user_id", "rows", "due_since", "why", "hold_id", "outcome",
             "outcome_reason", "outcome_rows", "done_at"], [],
            new(ErasureMethod.Keep, "Kept with its run (above): ids and counts only, the proof of what was erased."),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns =
                "Kept with its run: ids and counts only." }),

        new("deletion_certificates", DataCategory.Compliance, "Signed certificates of each erasure and retention run: counts per table, what was kept and why.",
            [new("subject_user_id", PersonKeyKind.UserId, "the person erased (by id only)")], null,
            ["id", "issued_at", "request_id", "retention_run_id", "subject_user_id", "document"], [],
            new(ErasureMethod.Keep, "Kept: the certificate is the district's proof that it erased; it names the person by id only."),
            new("P7Y", RetentionEvent.Occurred,
                new RetentionFloor(null, RetentionEvent.StudentRecordErased, "The proof of an erasure is kept as long as any record of the request.")) { NotPurgedByRuns =
                "Kept: the signed proof of an erasure or retention run; it names the person by id only." }),

        // ---- Learning: course shells and their content (docs/learning.md, "Data model") ------------------------------
        new("content_versions", DataCategory.Learning, "The versions of lessons a teacher wrote: body, time, and the author by id.",
            [new("author_id", PersonKeyKind.UserId, "the teacher who wrote the version")], null,
            ["item_id", "version_no", "author_id", "created_at", "body", "sha256"], [],
            new(ErasureMethod.Keep,
                "Kept: versions are immutable district teaching material that students' views and submissions point at; the author is named by id only, " +
                "and the account it names is anonymised with the person."),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns =
                "Not yet purged by retention runs: a shell is archived, never deleted, and purging archived shells' content is still to be built." }),

        // ---- Learning: progress and activity (docs/learning.md, "Progress and analytics") ---------------------------
        new("activity_events", DataCategory.Learning, "What a student did on course items and when: views, heartbeats, resume positions, marks done.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["occurred_at", "id", "student_id", "shell_id", "module_item_id", "kind", "content_version_no", "position_s", "received_at"], [],
            new(ErasureMethod.DeleteRows, "The student's events are deleted (every monthly partition; one delete on the partitioned table).", Nothing),
            new("P1Y", RetentionEvent.Occurred,
                new RetentionFloor("P2M", RetentionEvent.Occurred,
                    "events arrive up to 30 days late and the nightly rollup must fold a month into item_time_daily before its partition goes"))),

        new("item_time_daily", DataCategory.Learning, "A student's time on task per course item and day, rolled up from their activity.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["day", "student_id", "module_item_id", "shell_id", "seconds", "events"], [],
            new(ErasureMethod.DeleteRows, "The student's daily totals are deleted.", Nothing),
            LearningRecord),

        new("item_progress", DataCategory.Learning, "A student's progress on each course item: first view and version seen, completion, resume point, time on task.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["student_id", "module_item_id", "shell_id", "first_viewed_at", "viewed_version_no", "last_viewed_at", "completed_at", "position_s",
             "position_at", "time_spent_s"], [],
            new(ErasureMethod.DeleteRows, "The student's item progress is deleted.", Nothing),
            LearningRecord),

        new("shell_progress", DataCategory.Learning, "A student's progress through each course: required items completed, when started, last activity.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["shell_id", "student_id", "completed_required_count", "started_at", "last_activity_at"], [],
            new(ErasureMethod.DeleteRows, "The student's course progress is deleted.", Nothing),
            LearningRecord),

        // ---- Learning: the catalog and self-enrolment (docs/learning.md, "Catalog and self-enrolment") ---------------
        new("catalog_listings", DataCategory.Learning, "Courses the district offers in its catalog: audience, tags, seats, window, counters, and the admin who listed each by id.",
            [new("listed_by", PersonKeyKind.UserId, "the admin who listed the course")], null,
            ["shell_id", "title", "description", "audience", "tags", "seat_limit", "opens_at", "closes_at", "prerequisite_shell_id", "listed_by", "listed_at",
             "unlisted_at", "updated_at", "enrollment_count", "waitlist_next", "review_count", "rating_sum", "bookmark_count"],
            [new("tsv", "The full-text search vector of title, tags and description: derived from exported columns.")],
            new(ErasureMethod.Anonymise, "The listing stays (it is the district's offer); the admin who listed it is no longer named.",
                new Dictionary<string, string> { ["listed_by"] = "null" }),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "Kept with the course shell it offers: the district's catalog, a person by id only." }),

        new("catalog_enrollments", DataCategory.Learning, "Courses a person enrolled themselves in from the catalog: state (enrolled, waitlisted, withdrawn), waitlist place, times.",
            [new("person_id", PersonKeyKind.UserId, "the learner")], null,
            ["shell_id", "person_id", "state", "waitlist_position", "requested_at", "enrolled_at", "withdrawn_at"], [],
            new(ErasureMethod.DeleteRows, "The person's self-enrolments are deleted (the nightly catalog reconcile then recounts the seats).", Nothing),
            LearningRecord),

        new("catalog_reviews", DataCategory.Learning, "A person's rating (1-5) and review text of catalog courses they took.",
            [new("person_id", PersonKeyKind.UserId, "the reviewer")], null,
            ["shell_id", "person_id", "rating", "body", "created_at", "updated_at"], [],
            new(ErasureMethod.DeleteRows, "The person's reviews are deleted (the nightly catalog reconcile then recounts the ratings).", Nothing),
            LearningRecord),

        new("catalog_bookmarks", DataCategory.Learning, "Catalog courses a person saved for later.",
            [new("person_id", PersonKeyKind.UserId, "the person")], null,
            ["person_id", "shell_id", "created_at"], [],
            new(ErasureMethod.DeleteRows, "The person's bookmarks are deleted (the nightly catalog reconcile then recounts them).", Nothing),
            LearningRecord),

        // ---- Learning: assignments (docs/assignments.md) --------------------------------------------------------------
        new("assignment_overrides", DataCategory.Learning,
            "Changed due, unlock and lock dates of an assignment for a section or for one student (an IEP/504 extension), with a reason.",
            [new("student_id", PersonKeyKind.UserId, "the student a per-student override is for (null for a section override)")], null,
            ["id", "assignment_id", "class_id", "student_id", "due_at", "unlock_at", "lock_at", "reason", "created_at", "updated_at"], [],
            new(ErasureMethod.DeleteRows, "The student's own overrides are deleted; section overrides name no student and stay.", Nothing),
            LearningRecord),

        new("effective_due_dates", DataCategory.Learning,
            "Each student's own due, unlock and lock dates for each assignment, and whether they came from their override, their section or the assignment.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["assignment_id", "student_id", "due_at", "unlock_at", "lock_at", "source", "computed_at"], [],
            new(ErasureMethod.DeleteRows, "The student's effective dates are deleted (they are derived and recomputed while the student is enrolled).", Nothing),
            LearningRecord),

        // ---- Learning: submissions, grade changes and scores (docs/submissions.md, docs/grade-engine.md) ---------------
        new("submissions", DataCategory.Learning,
            "A student's submission of each assignment: workflow, score and grade as entered, excused, late/missing override, when submitted and graded, by whom.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["id", "shell_id", "assignment_id", "student_id", "workflow", "score", "entered_grade", "excused", "status_override", "submitted_at",
             "attempt_count", "graded_at", "grader_id", "created_at", "updated_at"],
            [new("row_version", Internal)],
            new(ErasureMethod.DeleteRows, "The student's submissions (and their attempts) are deleted. A grader is named by id only and is not a key: erasing a " +
                "teacher must not delete their students' grades.", Nothing),
            LearningRecord),

        new("submission_attempts", DataCategory.Learning,
            "Each attempt a student handed in: text, link or file (stored through the file store), the instructions' version, the attempt's score.",
            [new("submitted_by", PersonKeyKind.UserId, "the student who handed it in")], null,
            ["id", "submission_id", "attempt_no", "kind", "body", "url", "file_key", "file_name", "content_type", "size_bytes", "content_version_no",
             "score", "submitted_at", "submitted_by"], [],
            new(ErasureMethod.DeleteRows, "The student's attempts are deleted with their submissions.", Nothing),
            LearningRecord),

        new("idempotency_keys", DataCategory.Learning,
            "The keys a person's client sent with submissions and grade changes, and the first response, so a retry is not applied twice.",
            [new("person_id", PersonKeyKind.UserId, "the person who sent the request")], null,
            ["person_id", "key", "status_code", "response", "created_at"],
            [new("request_hash", Internal)],
            new(ErasureMethod.DeleteRows, "The person's keys are deleted.", Nothing),
            new("P1D", RetentionEvent.Occurred) { NotPurgedByRuns =
                "Deleted a day old by the activity rollup job (every 15 minutes, IdempotencyKeys.SweepAsync), not by retention runs: they mean nothing after a retry window." }),

        new("grade_changes", DataCategory.Learning,
            "The history of every grade change: score, excusal, late/missing status, final override or posting, before and after, grader, channel and reason.",
            [new("student_id", PersonKeyKind.UserId, "the student whose grade changed")], null,
            ["id", "shell_id", "assignment_id", "student_id", "kind", "before_values", "after_values", "grader_id", "channel", "reason", "changed_at"], [],
            new(ErasureMethod.DeleteRows, "The student's grade history is deleted (the chained audit log keeps its own record, by id only).", Nothing),
            LearningRecord),

        new("student_scores", DataCategory.Learning,
            "Each student's computed course grade: current and final percent and letter, the teacher's unposted view, and the engine's full explanation.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["shell_id", "student_id", "current_score", "final_score", "current_letter", "final_letter", "unposted_current_score",
             "unposted_final_score", "unposted_current_letter", "unposted_final_letter", "result", "computed_at", "stale_since"],
            [new("result_sha256", "Hash of result, so a recompute skips rewriting an unchanged score.")],
            new(ErasureMethod.DeleteRows, "The student's scores are deleted (they are derived from submissions).", Nothing),
            LearningRecord),

        // ---- Learning: quizzes (docs/quizzes.md) --------------------------------------------------------------------
        new("quiz_attempts", DataCategory.Learning,
            "A student's quiz attempts: the questions as presented, their answers, per-question scores, start, deadline and finish.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["id", "shell_id", "assignment_id", "student_id", "attempt_no", "quiz_version", "state", "started_at", "deadline_at", "finished_at",
             "overdue", "questions", "answers", "question_scores", "score"], [],
            new(ErasureMethod.DeleteRows, "The student's attempts are deleted.", Nothing),
            LearningRecord),

        // ---- Learning: grade passback (docs/passback.md) --------------------------------------------------------------
        new("passback_state", DataCategory.Learning,
            "What was last sent to the SIS per class and gradebook object (category, line item, result): a content hash and when; a result row names its student.",
            [new("student_id", PersonKeyKind.UserId, "the student of a result")], null,
            ["class_id", "object_type", "sourced_id", "student_id", "content_hash", "sent_at"], [],
            new(ErasureMethod.DeleteRows, "The student's passback rows are deleted (a hash of what was sent, nothing more).", Nothing),
            LearningRecord),
        // ---- Learning: grading policy, schemes, overrides, periods (docs/grade-engine.md, "Stored scores, policy and periods") ----
        new("grading_schemes", DataCategory.Learning, "The district's letter-grade ladders (letter and minimum percent), which one is the default, and the admin who last changed each by id.",
            [new("updated_by", PersonKeyKind.UserId, "the admin who last changed the scheme")], null,
            ["id", "name", "entries", "is_default", "updated_by", "created_at", "updated_at"], [],
            new(ErasureMethod.Anonymise, "The scheme stays (it is the district's); the admin who changed it is no longer named.",
                new Dictionary<string, string> { ["updated_by"] = "null" }),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "The district's own configuration: kept while in use; a person by id only." }),

        new("shell_grading_policies", DataCategory.Learning, "Each course's grading policy: weighting, late and missing deductions and floors, scheme, version, who changed it last by id.",
            [new("updated_by", PersonKeyKind.UserId, "the teacher or admin who last changed the policy")], null,
            ["shell_id", "weighting", "late_deduction_percent", "late_interval", "late_floor_percent", "missing_deduction_percent", "missing_floor_percent",
             "scheme_id", "version", "updated_by", "updated_at"], [],
            new(ErasureMethod.Anonymise, "The policy stays (it decides other students' grades); the person who changed it is no longer named.",
                new Dictionary<string, string> { ["updated_by"] = "null" }),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "Kept with the course shell it configures: a person by id only." }),

        new("final_grade_overrides", DataCategory.Learning, "A teacher's override of a student's final course grade, with the reason, who set it and when.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["shell_id", "student_id", "percent", "reason", "set_by", "set_at"], [],
            new(ErasureMethod.DeleteRows, "The student's overrides are deleted. The teacher who set one is named by id only and is not a key: erasing a " +
                "teacher must not delete their students' grades.", Nothing),
            LearningRecord),

        new("grading_period_closures", DataCategory.Learning, "Which grading periods (roster sessions) are closed to grade changes, since when, and the admin who closed each by id.",
            [new("closed_by", PersonKeyKind.UserId, "the admin who closed the period")], null,
            ["session_id", "closed_at", "closed_by"], [],
            new(ErasureMethod.Anonymise, "The closure stays (it protects every student's grades); the admin who closed it is no longer named.",
                new Dictionary<string, string> { ["closed_by"] = "null" }),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "The district's record of closed periods: a person by id only." }),

        // ---- Learning: completion certificates (docs/learning.md, "Completion certificates") ------------------------
        new("course_certificate_templates", DataCategory.Learning, "The title and wording of a course's certificate, one immutable version per edit, and its author by id.",
            [new("created_by", PersonKeyKind.UserId, "the teacher or admin who wrote the version")], null,
            ["shell_id", "version_no", "title", "wording", "created_by", "created_at"], [],
            new(ErasureMethod.Keep, "Kept: issued certificates point at the version; the author is named by id only."),
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "Kept while certificates issued under it may be verified; no run purges templates yet." }),

        new("course_certificates", DataCategory.Learning,
            "A student's course completion certificate: their name and the course title as shown at issue, the date, the verification code, revocation.",
            [new("student_id", PersonKeyKind.UserId, "the student")], null,
            ["id", "shell_id", "student_id", "template_version", "student_name", "course_title", "issued_on", "issued_at", "verification_code",
             "revoked_at", "revoked_by", "revoked_reason"], [],
            new(ErasureMethod.DeleteRows, "The student's certificates are deleted; their codes then verify as unknown.", Nothing),
            // Kept as a record of achievement that former students and employers verify years later (a diploma-like record).
            new("P7Y", RetentionEvent.Occurred) { NotPurgedByRuns = "No run purges certificates after 7 years yet; erasing the student deletes them." }),
    ];

    /// <summary>
    /// The learning core's per-student records (progress, time on task): the student's record of course work, kept while
    /// they are in the district and for the departed period after, then erased with the person by the departed kind.
    /// Not by enrollment end: progress is keyed by student and shell, and a student moved between sections keeps it.
    /// </summary>
    static RetentionRule LearningRecord => WithThePerson;

    public static DataMapEntry? Find(string table) => Entries.FirstOrDefault(e => e.Table == table);

    /// <summary>Whether a column's name alone makes it a person key (<see cref="PersonKeyNames"/>).</summary>
    public static bool IsPersonKeyName(string column) =>
        PersonKeyNames.Contains(column) || PersonKeySuffixes.Any(column.EndsWith);

    public static bool IsExcluded(string table) =>
        Excluded.Any(x => x.Table.EndsWith('*') ? table.StartsWith(x.Table[..^1], StringComparison.Ordinal) : x.Table == table);
}

/// <summary>An ISO-8601 period of years, months, weeks and days (<c>P1Y</c>, <c>P6M</c>, <c>P90D</c>), as retention rules use.</summary>
public readonly partial record struct IsoPeriod(int Years, int Months, int Days) : IComparable<IsoPeriod>
{
    [GeneratedRegex(@"^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out IsoPeriod period)
    {
        period = default;
        var m = text == null ? null : Pattern().Match(text);
        if (m is not { Success: true }) return false;
        int Part(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        period = new IsoPeriod(Part(1), Part(2), Part(3) * 7 + Part(4));
        return true;
    }

    public static IsoPeriod Parse(string text) =>
        TryParse(text, out var period) ? period : throw new FormatException($"'{text}' is not an ISO-8601 period.");

    public DateTimeOffset AddTo(DateTimeOffset start) => start.AddYears(Years).AddMonths(Months).AddDays(Days);

    /// <summary>Compared by the instant each reaches from the same start from 1 January (P12M equals P1Y; P1M is shorter than P32D).</summary>
    public int CompareTo(IsoPeriod other)
    {
        var start = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return AddTo(start).CompareTo(other.AddTo(start));
    }
}
