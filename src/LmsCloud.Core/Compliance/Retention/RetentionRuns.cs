using System.Globalization;
using CsvHelper;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace LmsCloud.Core.Compliance.Retention;

/// <summary>The states of a run: reported (the dry run) → approved → running → completed | failed; cancelled before it runs.</summary>
public static class RetentionRunStates
{
    public const string Reported = "reported", Approved = "approved", Running = "running", Completed = "completed", Failed = "failed",
        Cancelled = "cancelled";
}

/// <summary>What an item removes.</summary>
public static class RetentionItemKinds
{
    public const string ImportPackage = "import_package", ImportRowErrors = "import_row_errors", ImportChanges = "import_changes",
        ClassEnrollments = "class_enrollments", DepartedPerson = "departed_person", ResetTokens = "reset_tokens",
        RevokedClient = "revoked_client", ClosedRequest = "closed_request", ActivityMonth = "activity_month";
}

/// <summary>What happened to an item: done, skipped (no longer due, re-checked at run time), held (a legal hold), failed.</summary>
public static class RetentionOutcomes
{
    public const string Done = "done", Skipped = "skipped", Held = "held", Failed = "failed";
}

public sealed record RetentionRunView(Guid Id, string State, string Trigger, DateTimeOffset AsOf, DateTimeOffset CreatedAt, string RequesterActorType,
    string? RequesterActorId, DateTimeOffset? ApprovedAt, string? ApproverActorType, string? ApproverActorId, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, string Counts, string? FailureReason, Guid? CertificateId);

public sealed record RetentionItemView(int Seq, string Kind, string TableName, Guid TargetId, Guid? SubjectUserId, long Rows, DateTimeOffset DueSince,
    string Why, Guid? HoldId, string? HoldReason, string? Outcome, string? OutcomeReason, long? OutcomeRows, DateTimeOffset? DoneAt);

public enum RetentionErrorKind { NotFound, Conflict, Validation }

public sealed record RetentionError(RetentionErrorKind Kind, string Message, Guid? RunId = null);

public sealed record RetentionOutcome(RetentionRunView? Run, RetentionError? Error)
{
    public static RetentionOutcome Fail(RetentionErrorKind kind, string message, Guid? runId = null) => new(null, new(kind, message, runId));
}

/// <summary>
/// The district's retention runs (docs/compliance.md): <see cref="ReportAsync"/> finds what the policy says is due and
/// records it item by item with the hold that blocks each (the dry run); a compliance officer approves it
/// (<see cref="ApproveAsync"/>); <see cref="ExecuteAsync"/> then re-checks every item (a class whose end date moved, a
/// person who came back, a new hold: skipped or held, and reported) and deletes or anonymises per the data map. Items
/// are worked in batches of <see cref="BatchSize"/>, each item's rows deleted in chunks of <see cref="ChunkRows"/>, each
/// chunk its own transaction that also records its progress: a rerun after a crash continues where it stopped and
/// does nothing twice. A departed person is erased by <see cref="PersonErasure"/>.
/// </summary>
public sealed class RetentionRuns(LmsDbContext db, AuditLog audit, RetentionPolicies policies, LegalHolds holds, PersonErasure erasure,
    DeletionCertificates certificates, IFileStorage storage, TimeProvider clock)
{
    public const int BatchSize = 100;
    public const int ChunkRows = 5000;

    /// <summary>Package files, row errors and change lists of an import run go by the policy of the change lists (P90D by default).</summary>
    const string ImportArtefactsTable = "import_changes";

    Guid TenantId => db.TenantId ?? throw new InvalidOperationException("Retention runs belong to a district.");

    // ---- the kinds ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// One kind of item: the tables it purges, the table whose policy period applies (<see cref="RetentionPolicies.PeriodForAsync"/>),
    /// the dry run's query of what is due, and how a run re-checks and works one item. <see cref="DueSql"/> selects
    /// <c>table_name, target_id, subject_user_id, rows, due_since, why, hold_id</c> with the parameters <c>@now</c>,
    /// <c>@period</c> (text, cast to interval) and <c>@district_hold</c>; it contains no braces (EF formats raw SQL).
    /// </summary>
    sealed record ItemKind(string Kind, string PolicyTable, IReadOnlyList<string> Purges, string DueSql,
        Func<RetentionRuns, Guid, PendingItem, AuditActor, CancellationToken, Task> Work);

    /// <summary>The tables whose retention some item kind carries out (the data map names why the others are not purged by a run).</summary>
    public static IReadOnlyList<string> PurgedTables => [.. Kinds.SelectMany(k => k.Purges).Distinct()];

    /// <summary>Every item kind, in report order. A new kind is one entry here.</summary>
    static readonly IReadOnlyList<ItemKind> Kinds = BuildKinds();

    static IReadOnlyList<ItemKind> BuildKinds() =>
    [
        new(RetentionItemKinds.ImportPackage, ImportArtefactsTable, ["storage"], """
            select 'storage' as table_name, r.id as target_id, null::uuid as subject_user_id, 1::bigint as rows,
                   r.finished_at + @period::interval as due_since,
                   format('Package %s of the import run finished %s; import artefacts are kept %s.', coalesce(r.package_name, r.id::text),
                          to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD'), @period) as why,
                   @district_hold as hold_id
            from import_runs r
            where r.finished_at is not null and r.finished_at + @period::interval <= @now
              and not exists (select 1 from retention_run_items p where p.kind = 'import_package' and p.target_id = r.id and p.outcome = 'done')
            """, (r, run, item, actor, ct) => r.PurgePackageAsync(run, item, actor, ct)),
        new(RetentionItemKinds.ImportRowErrors, "import_row_errors", ["import_row_errors"], """
            select 'import_row_errors' as table_name, r.id as target_id, null::uuid as subject_user_id, x.n as rows,
                   r.finished_at + @period::interval as due_since,
                   format('Row errors of the import run finished %s; they are kept %s.', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD'),
                          @period) as why,
                   @district_hold as hold_id
            from import_runs r join (select run_id, count(*) as n from import_row_errors group by run_id) x on x.run_id = r.id
            where r.finished_at is not null and r.finished_at + @period::interval <= @now
            """, (r, run, item, actor, ct) => r.PurgeImportRowsAsync(run, item, "import_row_errors", "import_row_errors", actor, ct)),
        new(RetentionItemKinds.ImportChanges, ImportArtefactsTable, ["import_changes"], """
            select 'import_changes' as table_name, r.id as target_id, null::uuid as subject_user_id, x.n as rows,
                   r.finished_at + @period::interval as due_since,
                   format('Change list of the import run finished %s; it is kept %s.', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD'),
                          @period) as why,
                   @district_hold as hold_id
            from import_runs r join (select run_id, count(*) as n from import_changes group by run_id) x on x.run_id = r.id
            where r.finished_at is not null and r.finished_at + @period::interval <= @now
            """, (r, run, item, actor, ct) => r.PurgeImportRowsAsync(run, item, ImportArtefactsTable, "import_changes", actor, ct)),
        // A class ends at the end of its last term's last day (UTC).
        new(RetentionItemKinds.ClassEnrollments, "enrollments", ["enrollments"], """
            select 'enrollments' as table_name, k.id as target_id, null::uuid as subject_user_id, e.n as rows,
                   k.ended + @period::interval as due_since,
                   format('Class %s ended %s; enrollments are kept %s after.', k.title, to_char((k.ended - interval '1 day') at time zone 'UTC', 'YYYY-MM-DD'),
                          @period) as why,
                   (select h.id from legal_holds_on_class(k.id) h order by h.created_at limit 1) as hold_id
            from (select c.id, c.title,
                         ((select max(s.end_date) from academic_sessions s where s.id = any (c.term_ids)) + 1)::timestamp at time zone 'UTC' as ended
                  from classes c) k
            join (select class_id, count(*) as n from enrollments group by class_id) e on e.class_id = k.id
            where k.ended + @period::interval <= @now
            """, (r, run, item, actor, ct) => r.PurgeClassEnrollmentsAsync(run, item, actor, ct)),
        // Someone already erased (their user name is the data map's replacement) is not due again.
        new(RetentionItemKinds.DepartedPerson, "users",
            [.. DataMap.Entries.Where(e => e.Retention.CountsFrom == RetentionEvent.PersonDeparted).Select(e => e.Table)], """
            select 'users' as table_name, u.id as target_id, u.id as subject_user_id, 1::bigint as rows,
                   u.departed_at + @period::interval as due_since,
                   format('Marked tobedeleted on %s; departed people are kept %s.', to_char(u.departed_at at time zone 'UTC', 'YYYY-MM-DD'), @period) as why,
                   (select h.id from legal_holds_on_person(u.id) h order by h.created_at limit 1) as hold_id
            from users u
            where u.status = 'tobedeleted' and u.departed_at is not null and u.departed_at + @period::interval <= @now
              and u.user_name <> 'erased-' || u.id::text
            """, (r, run, item, actor, ct) => r.ErasePersonAsync(run, item, actor, ct)),
        // A reset token ends when it is used or expires, whichever is first; one item per person it was issued to.
        new(RetentionItemKinds.ResetTokens, "password_reset_tokens", ["password_reset_tokens"], """
            select 'password_reset_tokens' as table_name, t.user_id as target_id, t.user_id as subject_user_id, count(*) as rows,
                   min(least(t.used_at, t.expires_at)) + @period::interval as due_since,
                   format('%s password reset tokens used or expired since %s; spent tokens are kept %s.', count(*),
                          to_char(min(least(t.used_at, t.expires_at)) at time zone 'UTC', 'YYYY-MM-DD'), @period) as why,
                   (select h.id from legal_holds_on_person(t.user_id) h order by h.created_at limit 1) as hold_id
            from password_reset_tokens t
            where least(t.used_at, t.expires_at) + @period::interval <= @now
            group by t.user_id
            """, (r, run, item, actor, ct) => r.PurgeResetTokensAsync(run, item, actor, ct)),
        // A revoked client's row (and with it its secret's hash) goes once the period after revocation has passed.
        new(RetentionItemKinds.RevokedClient, "integration_clients", ["integration_clients"], """
            select 'integration_clients' as table_name, c.id as target_id, null::uuid as subject_user_id, 1::bigint as rows,
                   c.revoked_at + @period::interval as due_since,
                   format('Integration client %s (%s) was revoked %s; revoked clients are kept %s.', c.name, c.client_id,
                          to_char(c.revoked_at at time zone 'UTC', 'YYYY-MM-DD'), @period) as why,
                   @district_hold as hold_id
            from integration_clients c
            where c.revoked_at is not null and c.revoked_at + @period::interval <= @now
            """, (r, run, item, actor, ct) => r.PurgeRevokedClientAsync(run, item, actor, ct)),
        // The floor of compliance_requests: a request about a person is part of their disclosure record, so it goes only once
        // the person's record is erased (a district export has no subject). Its timeline and export row go with it.
        new(RetentionItemKinds.ClosedRequest, "compliance_requests", ["compliance_requests", "compliance_request_events", "compliance_exports"], """
            select 'compliance_requests' as table_name, q.id as target_id, q.subject_user_id, 1 + coalesce(ev.n, 0) + coalesce(ex.n, 0) as rows,
                   q.closed_at + @period::interval as due_since,
                   format('%s request %s %s on %s; closed requests are kept %s.', initcap(replace(q.type, '_', ' ')), q.id, q.state,
                          to_char(q.closed_at at time zone 'UTC', 'YYYY-MM-DD'), @period) as why,
                   case when q.subject_user_id is null then @district_hold
                        else (select h.id from legal_holds_on_person(q.subject_user_id) h order by h.created_at limit 1) end as hold_id
            from compliance_requests q
            left join (select request_id, count(*) as n from compliance_request_events group by request_id) ev on ev.request_id = q.id
            left join (select request_id, count(*) as n from compliance_exports group by request_id) ex on ex.request_id = q.id
            where q.closed_at is not null and q.state in ('completed', 'rejected', 'cancelled', 'expired')
              and q.closed_at + @period::interval <= @now
              and (q.subject_user_id is null or exists (select 1 from users u where u.id = q.subject_user_id and u.user_name = 'erased-' || u.id::text))
            """, (r, run, item, actor, ct) => r.PurgeClosedRequestAsync(run, item, actor, ct)),
        // One month of the district's raw activity, due once the period after the month's end has passed and the
        // district's rollup has folded the whole month into item_time_daily (a month not yet folded is not reported).
        // The target id is the month (ActivityMonthId); only events older than the period are read.
        new(RetentionItemKinds.ActivityMonth, "activity_events", ["activity_events"], """
            select 'activity_events' as table_name,
                   (to_char(a.month, 'YYYYMMDD') || '-0000-0000-0000-000000000000')::uuid as target_id,
                   null::uuid as subject_user_id, a.n as rows,
                   (a.month + interval '1 month')::timestamp at time zone 'UTC' + @period::interval as due_since,
                   format('Activity events of %s (%s students); raw activity is kept %s after its month, which the rollup has folded into daily totals.%s',
                          to_char(a.month, 'YYYY-MM'), a.students, @period,
                          case when a.held > 0 then format(' %s students are under a legal hold: their events stay, and the month''s other events are deleted instead of dropping its partition.', a.held)
                               else '' end) as why,
                   @district_hold as hold_id
            from (select s.month, sum(s.n)::bigint as n, count(*) as students, count(*) filter (where person_is_held(s.student_id)) as held
                  from (select date_trunc('month', e.occurred_at at time zone 'UTC')::date as month, e.student_id, count(*) as n
                        from activity_events e where e.occurred_at < @now - @period::interval
                        group by 1, 2) s
                  group by s.month) a
            where (a.month + interval '1 month')::timestamp at time zone 'UTC' + @period::interval <= @now
              and (a.month + interval '1 month')::timestamp at time zone 'UTC' <= (select f.folded_until from activity_rollup_state f)
            """, (r, run, item, actor, ct) => r.PurgeActivityMonthAsync(run, item, actor, ct)),
    ];

    /// <summary>The month an <see cref="RetentionItemKinds.ActivityMonth"/> item names: its target id is <c>yyyyMMdd-0000-…</c> of the month's first day.</summary>
    public static DateOnly ActivityMonthOf(Guid targetId) =>
        DateOnly.ParseExact(targetId.ToString("D")[..8], "yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The target id of the month holding <paramref name="month"/> (see <see cref="ActivityMonthOf"/>).</summary>
    public static Guid ActivityMonthId(DateOnly month) => Guid.Parse($"{month.Year:D4}{month.Month:D2}01-0000-0000-0000-000000000000");

    // ---- the dry run ------------------------------------------------------------------------------------------------

    /// <summary>A new dry-run report of everything due now; refused (409, naming it) while another run is unfinished.</summary>
    public async Task<RetentionOutcome> ReportAsync(string trigger, AuditActor actor, CancellationToken ct = default)
    {
        var open = await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from retention_runs where state in ('reported', 'approved', 'running') limit 1
            """).ToListAsync(ct);
        if (open.Count > 0)
            return RetentionOutcome.Fail(RetentionErrorKind.Conflict, "An unfinished retention run exists: approve, run or cancel it first.", open[0]);

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var tenant = TenantId;
        var districtHold = await DistrictHoldAsync(ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into retention_runs (tenant_id, id, state, trigger, as_of, created_at, requester_actor_type, requester_actor_id)
            values ({tenant}, {id}, 'reported', {trigger}, {now}, {now}, {actor.Type}, {actor.Id})
            on conflict (tenant_id) where state in ('reported', 'approved', 'running') do nothing
            """, ct);
        if (await db.Database.SqlQuery<int>($"select count(*)::int as \"Value\" from retention_runs where id = {id}").SingleAsync(ct) == 0)
            return RetentionOutcome.Fail(RetentionErrorKind.Conflict, "An unfinished retention run exists: approve, run or cancel it first.");

        // Each kind appends its items after the ones before (seq continues from the last).
        var seq = 0;
        foreach (var kind in Kinds)
        {
            var period = await policies.PeriodForAsync(kind.PolicyTable, ct);
            seq += await db.Database.ExecuteSqlRawAsync($"""
                insert into retention_run_items (tenant_id, run_id, seq, kind, table_name, target_id, subject_user_id, rows, due_since, why, hold_id)
                select @tenant, @run, @seq + row_number() over (order by d.due_since, d.target_id), @kind, d.table_name, d.target_id,
                       d.subject_user_id, d.rows, d.due_since, d.why, d.hold_id
                from ({kind.DueSql}) d
                """,
                [
                    new NpgsqlParameter("tenant", tenant), new NpgsqlParameter("run", id), new NpgsqlParameter("seq", seq),
                    new NpgsqlParameter("kind", kind.Kind), new NpgsqlParameter("now", now), new NpgsqlParameter("period", period),
                    new NpgsqlParameter("district_hold", NpgsqlDbType.Uuid) { Value = (object?)districtHold ?? DBNull.Value },
                ], ct);
        }

        var counts = await CountsAsync(id, ct);
        await db.Database.ExecuteSqlAsync($"update retention_runs set counts = {counts}::jsonb where id = {id}", ct);
        await audit.WriteAsync(new AuditEntry("retention_run.reported", "retention_run", id.ToString(), After: new { counts = Raw(counts) }, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(await GetAsync(id, ct), null);
    }

    // ---- the nightly job ------------------------------------------------------------------------------------------

    /// <summary>Items the nightly job works per district per night (the rest the next night, or <c>lms compliance retention run</c>).</summary>
    public const int NightlyItemCap = 1000;

    /// <summary>
    /// One night for the district: an approved (or interrupted) run is worked, capped at <see cref="NightlyItemCap"/> items;
    /// otherwise a fresh dry-run report replaces one nobody approved, so the officer always reviews what is due now.
    /// </summary>
    public async Task<RetentionOutcome> NightlyAsync(AuditActor actor, CancellationToken ct = default)
    {
        var open = await db.Database.SqlQuery<OpenRun>($"""
            select id as "Id", state as "State" from retention_runs where state in ('reported', 'approved', 'running') limit 1
            """).ToListAsync(ct);
        if (open.FirstOrDefault() is { } run)
        {
            if (run.State != RetentionRunStates.Reported) return await ExecuteAsync(run.Id, actor, maxItems: NightlyItemCap, ct: ct);
            var cancelled = await CancelAsync(run.Id, actor, "Superseded by the next nightly report.", ct);
            if (cancelled.Error != null) return cancelled;
        }
        return await ReportAsync("schedule", actor, ct);
    }

    sealed record OpenRun(Guid Id, string State);

    // ---- approval ---------------------------------------------------------------------------------------------------

    public async Task<RetentionOutcome> ApproveAsync(Guid runId, AuditActor actor, string? comment, CancellationToken ct = default) =>
        await MoveAsync(runId, [RetentionRunStates.Reported], RetentionRunStates.Approved, actor, comment, ct);

    public async Task<RetentionOutcome> CancelAsync(Guid runId, AuditActor actor, string? reason, CancellationToken ct = default) =>
        string.IsNullOrWhiteSpace(reason)
            ? RetentionOutcome.Fail(RetentionErrorKind.Validation, "Cancelling a retention run needs a reason.")
            : await MoveAsync(runId, [RetentionRunStates.Reported, RetentionRunStates.Approved], RetentionRunStates.Cancelled, actor, reason, ct);

    async Task<RetentionOutcome> MoveAsync(Guid runId, string[] from, string to, AuditActor actor, string? comment, CancellationToken ct)
    {
        if (comment is { Length: > 2000 } || comment?.Contains('\0') == true)
            return RetentionOutcome.Fail(RetentionErrorKind.Validation, "A comment may have at most 2000 characters and no NUL.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var state = await LockStateAsync(runId, ct);
        if (state == null) return RetentionOutcome.Fail(RetentionErrorKind.NotFound, "No such retention run in this district.");
        if (!from.Contains(state))
            return RetentionOutcome.Fail(RetentionErrorKind.Conflict, $"A retention run in state {state} cannot move to {to}.", runId);
        var now = clock.GetUtcNow();
        if (to == RetentionRunStates.Approved)
            await db.Database.ExecuteSqlAsync($"""
                update retention_runs set state = {to}, approved_at = {now}, approver_actor_type = {actor.Type}, approver_actor_id = {actor.Id} where id = {runId}
                """, ct);
        else
            await db.Database.ExecuteSqlAsync($"update retention_runs set state = {to}, finished_at = {now}, failure_reason = {comment} where id = {runId}", ct);
        await audit.WriteAsync(new AuditEntry($"retention_run.{to}", "retention_run", runId.ToString(), Before: new { state }, After: new { state = to },
            Reason: comment, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(await GetAsync(runId, ct), null);
    }

    // ---- the run ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// Works an approved run (or resumes a running or failed one): every pending item re-checked and then purged, erased,
    /// skipped or held; at most <paramref name="maxItems"/> items this call (the rest stay pending, the run stays running).
    /// <paramref name="progress"/> hears (items finished, items in the run).
    /// </summary>
    public async Task<RetentionOutcome> ExecuteAsync(Guid runId, AuditActor actor, IProgress<(int Done, int Total)>? progress = null,
        int? maxItems = null, CancellationToken ct = default)
    {
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var state = await LockStateAsync(runId, ct);
            if (state == null) return RetentionOutcome.Fail(RetentionErrorKind.NotFound, "No such retention run in this district.");
            if (state is not (RetentionRunStates.Approved or RetentionRunStates.Running or RetentionRunStates.Failed))
                return RetentionOutcome.Fail(RetentionErrorKind.Conflict,
                    state == RetentionRunStates.Reported ? "This retention run is not approved yet: a compliance officer approves the report first."
                    : $"A retention run in state {state} cannot run.", runId);
            if (state != RetentionRunStates.Running)
            {
                var now = clock.GetUtcNow();
                await db.Database.ExecuteSqlAsync(
                    $"update retention_runs set state = 'running', started_at = coalesce(started_at, {now}), failure_reason = null where id = {runId}", ct);
                await audit.WriteAsync(new AuditEntry("retention_run.running", "retention_run", runId.ToString(), Before: new { state },
                    After: new { state = RetentionRunStates.Running }, Actor: actor), ct);
            }
            await tx.CommitAsync(ct);
        }

        var total = await db.Database.SqlQuery<int>($"select count(*)::int as \"Value\" from retention_run_items where run_id = {runId}").SingleAsync(ct);
        var worked = 0;
        var finished = await FinishedCountAsync(runId, ct); // counted once; each item worked adds one
        while (maxItems == null || worked < maxItems)
        {
            var take = Math.Min(BatchSize, (maxItems ?? int.MaxValue) - worked);
            var batch = await db.Database.SqlQuery<PendingItem>($"""
                select seq as "Seq", kind as "Kind", target_id as "TargetId" from retention_run_items
                where run_id = {runId} and outcome is null order by seq limit {take}
                """).ToListAsync(ct);
            if (batch.Count == 0) break;
            foreach (var item in batch)
            {
                ct.ThrowIfCancellationRequested();
                await WorkAsync(runId, item, actor, ct);
                worked++;
                progress?.Report((++finished, total));
            }
        }
        if (await db.Database.SqlQuery<int>($"select count(*)::int as \"Value\" from retention_run_items where run_id = {runId} and outcome is null")
                .SingleAsync(ct) > 0)
            return new(await GetAsync(runId, ct), null); // capped: the rest on the next call

        return await FinishAsync(runId, actor, ct);
    }

    async Task<RetentionOutcome> FinishAsync(Guid runId, AuditActor actor, CancellationToken ct)
    {
        var counts = await CountsAsync(runId, ct);
        var failed = await db.Database.SqlQuery<int>(
            $"select count(*)::int as \"Value\" from retention_run_items where run_id = {runId} and outcome = 'failed'").SingleAsync(ct);
        Guid? certificateId = null;
        string? failure = failed > 0 ? $"{failed} items failed; see their outcome. Run it again to retry them." : null;
        if (failure == null)
        {
            try
            {
                var tables = await db.Database.SqlQuery<TableRows>($"""
                    select table_name as "Table", kind as "Kind", coalesce(sum(outcome_rows), 0)::bigint as "Rows" from retention_run_items
                    where run_id = {runId} and outcome = 'done' group by table_name, kind order by table_name, kind
                    """).ToListAsync(ct);
                var withheld = await db.Database.SqlQuery<string>($"""
                    select format('%s %s: %s', kind, target_id, coalesce(outcome_reason, outcome)) as "Value" from retention_run_items
                    where run_id = {runId} and outcome in ('held', 'skipped') order by seq
                    """).ToListAsync(ct);
                var certificate = await certificates.IssueAsync(new CertificateScope(TenantId, null, runId, null),
                    tables.Select(t => new TableCount(t.Table, t.Kind, t.Rows)).ToList(),
                    withheld.Select(w => new LmsCloud.Core.Compliance.Erasure.Withheld(w, "held by a legal hold or no longer due at run time")).ToList(), ct);
                certificateId = certificate.Id;
            }
            catch (NotImplementedException)
            {
                // TODO(integrator): DeletionCertificates is the erasure branch's stub here; once it is real this catch goes and
                // every completed run carries its certificate.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failure = $"The deletion certificate could not be issued ({e.GetType().Name}: {e.Message}); run it again to retry.";
            }
        }
        var state = failure == null ? RetentionRunStates.Completed : RetentionRunStates.Failed;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            update retention_runs set state = {state}, finished_at = {now}, counts = {counts}::jsonb, failure_reason = {failure},
                   certificate_id = coalesce({certificateId}, certificate_id)
            where id = {runId}
            """, ct);
        await audit.WriteAsync(new AuditEntry($"retention_run.{state}", "retention_run", runId.ToString(),
            After: new { state, counts = Raw(counts), certificateId }, Reason: failure, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(await GetAsync(runId, ct), null);
    }

    /// <summary>One item: re-checked now, then done, skipped, held or failed (recorded on the item).</summary>
    async Task WorkAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        try
        {
            if (Kinds.FirstOrDefault(k => k.Kind == item.Kind) is { } kind) await kind.Work(this, runId, item, actor, ct);
            else await MarkAsync(runId, item.Seq, RetentionOutcomes.Failed, $"Unknown kind {item.Kind}.", null, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Failed, $"{e.GetType().Name}: {e.Message}", null, ct);
        }
    }

    async Task<ImportRunDue?> ImportRunDueAsync(Guid importRunId, string policyTable, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync(policyTable, ct);
        var now = clock.GetUtcNow();
        return await db.Database.SqlQuery<ImportRunDue>($"""
            select finished_at as "FinishedAt", package_path as "PackagePath",
                   exists (select 1 from retention_run_items p where p.kind = 'import_package' and p.target_id = r.id and p.outcome = 'done') as "PackagePurged",
                   (finished_at is not null and finished_at + {period}::interval <= {now}) as "Due", {period}::text as "Period"
            from import_runs r where id = {importRunId}
            """).SingleOrDefaultAsync(ct);
    }

    async Task PurgePackageAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        if (await ImportRunDueAsync(item.TargetId, ImportArtefactsTable, ct) is not { } run)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, "The import run no longer exists.", 0, ct);
            return;
        }
        if (run.PackagePurged)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, "Already purged.", 0, ct);
            return;
        }
        if (!run.Due)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, $"No longer due: the policy now keeps import artefacts {run.Period}.", 0, ct);
            return;
        }
        if (await DistrictHoldAsync(ct) is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold, ct);
            return;
        }
        // Only the platform's own copy is deleted (uploads, inbox copies under the district's storage folder); a package an
        // operator imported from a path of their own is not ours to delete.
        var key = await StorageKeyAsync(run.PackagePath, ct);
        if (key != null) await storage.DeleteAsync(key, ct);
        // The done item is the record that the package is gone (import_runs is the import engine's alone to write).
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, key != null ? "Package file deleted from storage." :
            "The package was imported from a path outside the platform's storage: nothing of ours to delete.", key != null ? 1 : 0, ct);
        await audit.WriteAsync(new AuditEntry("retention.purged", "import_run", item.TargetId.ToString(),
            After: new { retentionRun = runId, what = "package", deleted = key != null }, Actor: actor), ct);
        await tx.CommitAsync(ct);
    }

    async Task PurgeImportRowsAsync(Guid runId, PendingItem item, string policyTable, string table, AuditActor actor, CancellationToken ct)
    {
        if (await ImportRunDueAsync(item.TargetId, policyTable, ct) is not { } run)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, "The import run no longer exists.", 0, ct);
            return;
        }
        if (!run.Due)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, $"No longer due: the policy now keeps {table} {run.Period}.", 0, ct);
            return;
        }
        if (await DistrictHoldAsync(ct) is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold, ct);
            return;
        }
        // Change lists name people: the changes of a person under a hold stay.
        var heldChanges = table == "import_changes"
            ? await db.Database.SqlQuery<long>($"""
                select count(*) as "Value" from import_changes c
                where c.run_id = {item.TargetId} and exists (select 1 from external_ids x where x.entity_type = 'users' and x.external_id = c.external_id
                                                             and person_is_held(x.internal_id))
                """).SingleAsync(ct)
            : 0;
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var deleted = table == "import_row_errors"
                ? await db.Database.ExecuteSqlAsync($"""
                    delete from import_row_errors where run_id = {item.TargetId}
                      and seq in (select seq from import_row_errors where run_id = {item.TargetId} order by seq limit {ChunkRows})
                    """, ct)
                : await db.Database.ExecuteSqlAsync($"""
                    delete from import_changes where run_id = {item.TargetId} and seq in (
                      select c.seq from import_changes c where c.run_id = {item.TargetId}
                        and not exists (select 1 from external_ids x where x.entity_type = 'users' and x.external_id = c.external_id
                                        and person_is_held(x.internal_id))
                      order by c.seq limit {ChunkRows})
                    """, ct);
            await db.Database.ExecuteSqlAsync(
                $"update retention_run_items set outcome_rows = coalesce(outcome_rows, 0) + {deleted} where run_id = {runId} and seq = {item.Seq}", ct);
            if (deleted < ChunkRows)
            {
                var rows = await db.Database.SqlQuery<long>(
                    $"select coalesce(outcome_rows, 0) as \"Value\" from retention_run_items where run_id = {runId} and seq = {item.Seq}").SingleAsync(ct);
                await MarkAsync(runId, item.Seq, RetentionOutcomes.Done,
                    heldChanges > 0 ? $"{rows} rows deleted; {heldChanges} changes of people under a legal hold kept." : $"{rows} rows deleted.", rows, ct);
                await audit.WriteAsync(new AuditEntry("retention.purged", "import_run", item.TargetId.ToString(),
                    After: new { retentionRun = runId, what = table, rows, kept = heldChanges }, Actor: actor), ct);
                await tx.CommitAsync(ct);
                return;
            }
            await tx.CommitAsync(ct);
        }
    }

    async Task PurgeClassEnrollmentsAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync("enrollments", ct);
        var now = clock.GetUtcNow();
        var ended = await db.Database.SqlQuery<DateTimeOffset?>($"""
            select ((select max(s.end_date) from academic_sessions s where s.id = any (c.term_ids)) + 1)::timestamp at time zone 'UTC' as "Value"
            from classes c where c.id = {item.TargetId}
            """).ToListAsync(ct);
        if (ended.Count == 0)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, "The class no longer exists.", 0, ct);
            return;
        }
        if (ended[0] is not { } end || IsoPeriod.Parse(period).AddTo(end) > now)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, ended[0] is { } moved
                ? $"No longer due: the class's end date moved to {moved.AddDays(-1):yyyy-MM-dd}; due on {IsoPeriod.Parse(period).AddTo(moved):yyyy-MM-dd}."
                : "No longer due: the class has no end date.", 0, ct);
            return;
        }
        if ((await holds.HoldsOnClassAsync(item.TargetId, ct)).FirstOrDefault() is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold.HoldId, ct);
            return;
        }
        var endValue = end;
        var heldPeople = await db.Database.SqlQuery<long>($"""
            select count(*) as "Value" from enrollments e where e.class_id = {item.TargetId} and person_is_held(e.user_id)
            """).SingleAsync(ct);
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var deleted = await db.Database.ExecuteSqlAsync($"""
                delete from enrollments where id in (
                  select e.id from enrollments e where e.class_id = {item.TargetId} and not person_is_held(e.user_id)
                    and coalesce((e.end_date + 1)::timestamp at time zone 'UTC', {endValue}) + {period}::interval <= {now}
                  order by e.id limit {ChunkRows})
                """, ct);
            await db.Database.ExecuteSqlAsync(
                $"update retention_run_items set outcome_rows = coalesce(outcome_rows, 0) + {deleted} where run_id = {runId} and seq = {item.Seq}", ct);
            if (deleted < ChunkRows)
            {
                var rows = await db.Database.SqlQuery<long>(
                    $"select coalesce(outcome_rows, 0) as \"Value\" from retention_run_items where run_id = {runId} and seq = {item.Seq}").SingleAsync(ct);
                await MarkAsync(runId, item.Seq, RetentionOutcomes.Done,
                    heldPeople > 0 ? $"{rows} enrollments deleted; {heldPeople} of people under a legal hold kept." : $"{rows} enrollments deleted.", rows, ct);
                await audit.WriteAsync(new AuditEntry("retention.purged", "class", item.TargetId.ToString(),
                    After: new { retentionRun = runId, what = "enrollments", rows, kept = heldPeople }, Actor: actor), ct);
                await tx.CommitAsync(ct);
                return;
            }
            await tx.CommitAsync(ct);
        }
    }

    async Task ErasePersonAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync("users", ct);
        var now = clock.GetUtcNow();
        var person = await db.Database.SqlQuery<PersonState>($"""
            select status as "Status", departed_at as "DepartedAt", (user_name = 'erased-' || id::text) as "Erased" from users where id = {item.TargetId}
            """).SingleOrDefaultAsync(ct);
        string? skip = person switch
        {
            null => "The person no longer exists.",
            { Erased: true } => null,
            { Status: not "tobedeleted" } => "The person came back: the SIS no longer marks them tobedeleted.",
            { DepartedAt: null } => "The person has no departure date.",
            { DepartedAt: { } d } when IsoPeriod.Parse(period).AddTo(d) > now => $"No longer due: departed people are now kept {period}.",
            _ => null,
        };
        if (skip != null)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, skip, 0, ct);
            return;
        }
        if (person!.Erased)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, "Already erased.", 0, ct);
            return;
        }
        if ((await holds.HoldsOnPersonAsync(item.TargetId, ct)).FirstOrDefault() is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold.HoldId, ct);
            return;
        }
        var result = await erasure.EraseAsync(item.TargetId, new ErasureContext(actor, null, runId,
            $"Retention: departed longer than the district keeps departed people ({period})."), ct);
        if (!result.Erased)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Held,
                string.Join("; ", result.Withheld.Select(w => $"{w.What}: {w.Why}")) is { Length: > 0 } why ? why : "The erasure refused.", 0, ct);
            return;
        }
        await MarkAsync(runId, item.Seq, RetentionOutcomes.Done,
            string.Join("; ", result.Counts.Select(c => $"{c.Table} {c.Method} {c.Rows}")), result.Counts.Sum(c => c.Rows), ct);
    }

    async Task PurgeResetTokensAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync("password_reset_tokens", ct);
        var now = clock.GetUtcNow();
        var due = await db.Database.SqlQuery<long>($"""
            select count(*) as "Value" from password_reset_tokens
            where user_id = {item.TargetId} and least(used_at, expires_at) + {period}::interval <= {now}
            """).SingleAsync(ct);
        if (due == 0)
        {
            await MarkNothingLeftAsync(runId, item, $"No longer due: no token of this person was used or expired more than {period} ago.", ct);
            return;
        }
        if ((await holds.HoldsOnPersonAsync(item.TargetId, ct)).FirstOrDefault() is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold.HoldId, ct);
            return;
        }
        await DeleteInChunksAsync(runId, item, () => db.Database.ExecuteSqlAsync($"""
            delete from password_reset_tokens where id in (
              select id from password_reset_tokens where user_id = {item.TargetId} and least(used_at, expires_at) + {period}::interval <= {now}
              order by id limit {ChunkRows})
            """, ct), rows => ($"{rows} spent password reset tokens deleted.",
            new AuditEntry("retention.purged", "user", item.TargetId.ToString(), After: new { retentionRun = runId, what = "password_reset_tokens", rows },
                Actor: actor)), ct);
    }

    async Task PurgeRevokedClientAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync("integration_clients", ct);
        var client = await db.Database.SqlQuery<DateTimeOffset?>($"select revoked_at as \"Value\" from integration_clients where id = {item.TargetId}")
            .ToListAsync(ct);
        if (client.Count == 0)
        {
            await MarkNothingLeftAsync(runId, item, "The client no longer exists.", ct);
            return;
        }
        if (client[0] is not { } revoked || IsoPeriod.Parse(period).AddTo(revoked) > clock.GetUtcNow())
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, client[0] == null
                ? "No longer due: the client is not revoked." : $"No longer due: revoked clients are now kept {period}.", 0, ct);
            return;
        }
        if (await DistrictHoldAsync(ct) is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold, ct);
            return;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rows = await db.Database.ExecuteSqlAsync($"delete from integration_clients where id = {item.TargetId} and revoked_at is not null", ct);
        await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, "The revoked client and its secret's hash deleted.", rows, ct);
        await audit.WriteAsync(new AuditEntry("retention.purged", "integration_client", item.TargetId.ToString(),
            After: new { retentionRun = runId, what = "integration_clients", rows }, Actor: actor), ct);
        await tx.CommitAsync(ct);
    }

    async Task PurgeClosedRequestAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var period = await policies.PeriodForAsync("compliance_requests", ct);
        var request = await db.Database.SqlQuery<ClosedRequest>($"""
            select q.state as "State", q.closed_at as "ClosedAt", q.subject_user_id as "SubjectUserId",
                   exists (select 1 from users u where u.id = q.subject_user_id and u.user_name = 'erased-' || u.id::text) as "SubjectErased",
                   (select e.storage_key from compliance_exports e where e.request_id = q.id) as "StorageKey"
            from compliance_requests q where q.id = {item.TargetId}
            """).SingleOrDefaultAsync(ct);
        string? skip = request switch
        {
            null => null,
            { ClosedAt: null } or { State: not ("completed" or "rejected" or "cancelled" or "expired") } => $"No longer due: the request is {request.State}.",
            { ClosedAt: { } closed } when IsoPeriod.Parse(period).AddTo(closed) > clock.GetUtcNow() => $"No longer due: closed requests are now kept {period}.",
            { SubjectUserId: not null, SubjectErased: false } =>
                "Kept: the person's record exists, and a request about them is part of their disclosure record (FERPA §99.32).",
            _ => null,
        };
        if (request == null)
        {
            await MarkNothingLeftAsync(runId, item, "The request no longer exists.", ct);
            return;
        }
        if (skip != null)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, skip, 0, ct);
            return;
        }
        var hold = request.SubjectUserId is { } subject
            ? (await holds.HoldsOnPersonAsync(subject, ct)).Select(h => (Guid?)h.HoldId).FirstOrDefault()
            : await DistrictHoldAsync(ct);
        if (hold is { } holdId)
        {
            await MarkHeldAsync(runId, item.Seq, holdId, ct);
            return;
        }
        // The zip first (a crash after it leaves the row, which the rerun deletes; deleting a missing file is a no-op).
        if (request.StorageKey != null) await storage.DeleteAsync(request.StorageKey, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var events = await db.Database.SqlQuery<long>(
            $"select count(*) as \"Value\" from compliance_request_events where request_id = {item.TargetId}").SingleAsync(ct);
        var exports = await db.Database.ExecuteSqlAsync($"delete from compliance_exports where request_id = {item.TargetId}", ct);
        var requests = await db.Database.ExecuteSqlAsync($"delete from compliance_requests where id = {item.TargetId}", ct); // events cascade
        var rows = requests + events + exports;
        await MarkAsync(runId, item.Seq, RetentionOutcomes.Done,
            $"Request deleted with {events} timeline events and {exports} export rows{(request.StorageKey != null ? " (and its file)" : "")}.", rows, ct);
        await audit.WriteAsync(new AuditEntry("retention.purged", "compliance_request", item.TargetId.ToString(),
            After: new { retentionRun = runId, what = "compliance_requests", requests, events, exports }, Actor: actor), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// A month of the district's activity events. Re-checked (still past the period, still folded, no district hold),
    /// then <c>drop_activity_partition</c> (migration 0035) drops the month's partition when it holds only this district's
    /// rows and none of a held student. A held student's events stay: the month's other rows are deleted instead, set-based
    /// in chunks. So are this district's rows when other districts still have events in the month (partitions are shared);
    /// the district whose run empties it last drops it.
    /// </summary>
    async Task PurgeActivityMonthAsync(Guid runId, PendingItem item, AuditActor actor, CancellationToken ct)
    {
        var month = ActivityMonthOf(item.TargetId);
        var start = new DateTimeOffset(month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = start.AddMonths(1);
        var label = $"{month:yyyy-MM}";
        var period = await policies.PeriodForAsync("activity_events", ct);
        if (IsoPeriod.Parse(period).AddTo(end) > clock.GetUtcNow())
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, $"No longer due: activity events are now kept {period} after their month.", 0, ct);
            return;
        }
        var folded = (await db.Database.SqlQuery<DateTimeOffset>($"select folded_until as \"Value\" from activity_rollup_state").ToListAsync(ct))
            .Cast<DateTimeOffset?>().FirstOrDefault();
        if (folded == null || folded < end)
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped,
                $"Not folded yet: the activity rollup has folded events up to {(folded is { } f ? f.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "nothing")}, not the whole of {label}.", 0, ct);
            return;
        }
        if (await DistrictHoldAsync(ct) is { } hold)
        {
            await MarkHeldAsync(runId, item.Seq, hold, ct);
            return;
        }

        string dropped;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var rows = await db.Database.SqlQuery<long>(
                $"select count(*) as \"Value\" from activity_events where occurred_at >= {start} and occurred_at < {end}").SingleAsync(ct);
            dropped = await DropActivityPartitionAsync(month, ct);
            if (dropped == "dropped")
            {
                await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, $"Partition activity_events_{month:yyyy_MM} dropped with its {rows} events.", rows, ct);
                await audit.WriteAsync(new AuditEntry("retention.purged", "activity_events", label,
                    After: new { retentionRun = runId, what = "activity_events", month = label, rows, partition = "dropped" }, Actor: actor), ct);
                await tx.CommitAsync(ct);
                return;
            }
            await tx.RollbackAsync(ct);
        }
        if (dropped == "missing")
        {
            await MarkNothingLeftAsync(runId, item, $"The partition of {label} no longer exists.", ct);
            return;
        }
        if (dropped == "not_folded")
        {
            await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, $"Not folded yet: the activity rollup has not folded the whole of {label}.", 0, ct);
            return;
        }

        // Held students' events stay; every other row of the district's month goes, in chunks.
        var held = (await db.Database.SqlQuery<Guid>($"""
            select s.student_id as "Value" from (select distinct student_id from activity_events where occurred_at >= {start} and occurred_at < {end}) s
            where person_is_held(s.student_id)
            """).ToListAsync(ct)).ToArray();
        var keptRows = held.Length == 0 ? 0 : await db.Database.SqlQuery<long>($"""
            select count(*) as "Value" from activity_events where occurred_at >= {start} and occurred_at < {end} and student_id = any ({held})
            """).SingleAsync(ct);
        var why = held.Length > 0
            ? $"{held.Length} students under a legal hold keep their {keptRows} events, so the partition stays"
            : "other districts still have events in the month, so the partition stays until the last of them purges it";
        await DeleteInChunksAsync(runId, item, () => db.Database.ExecuteSqlAsync($"""
            delete from activity_events where occurred_at >= {start} and occurred_at < {end} and (occurred_at, id) in (
              select occurred_at, id from activity_events
              where occurred_at >= {start} and occurred_at < {end} and student_id <> all ({held})
              limit {ChunkRows})
            """, ct), rows => ($"{rows} events of {label} deleted; {why}.",
            new AuditEntry("retention.purged", "activity_events", label,
                After: new { retentionRun = runId, what = "activity_events", month = label, rows, heldStudents = held.Length, keptRows, partition = dropped },
                Actor: actor)), ct);
        if (held.Length == 0)
        {
            // Emptied of this district's rows: if no other district's remain either, the partition goes now.
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (await DropActivityPartitionAsync(month, ct) == "dropped")
                await db.Database.ExecuteSqlAsync($"""
                    update retention_run_items set outcome_reason = outcome_reason || ' The partition, left empty, was then dropped.'
                    where run_id = {runId} and seq = {item.Seq}
                    """, ct);
            await tx.CommitAsync(ct);
        }
    }

    async Task<string> DropActivityPartitionAsync(DateOnly month, CancellationToken ct) =>
        await db.Database.SqlQuery<string>($"select drop_activity_partition({month}) as \"Value\"").SingleAsync(ct);

    /// <summary>
    /// Deletes with <paramref name="deleteChunk"/> (at most <see cref="ChunkRows"/> rows a call, each chunk its own transaction that
    /// also adds to the item's rows) until a chunk comes short; then the item is done with <paramref name="finish"/>'s reason and audit.
    /// </summary>
    async Task DeleteInChunksAsync(Guid runId, PendingItem item, Func<Task<int>> deleteChunk, Func<long, (string Reason, AuditEntry Audit)> finish,
        CancellationToken ct)
    {
        while (true)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var deleted = await deleteChunk();
            await db.Database.ExecuteSqlAsync(
                $"update retention_run_items set outcome_rows = coalesce(outcome_rows, 0) + {deleted} where run_id = {runId} and seq = {item.Seq}", ct);
            if (deleted < ChunkRows)
            {
                var rows = await OutcomeRowsAsync(runId, item.Seq, ct);
                var (reason, entry) = finish(rows);
                await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, reason, rows, ct);
                await audit.WriteAsync(entry, ct);
                await tx.CommitAsync(ct);
                return;
            }
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>Nothing of the item is left: done when an earlier (interrupted) pass of this run deleted it, else skipped.</summary>
    async Task MarkNothingLeftAsync(Guid runId, PendingItem item, string reason, CancellationToken ct)
    {
        var rows = await OutcomeRowsAsync(runId, item.Seq, ct);
        if (rows > 0) await MarkAsync(runId, item.Seq, RetentionOutcomes.Done, $"{rows} rows deleted.", rows, ct);
        else await MarkAsync(runId, item.Seq, RetentionOutcomes.Skipped, reason, 0, ct);
    }

    async Task<long> OutcomeRowsAsync(Guid runId, int seq, CancellationToken ct) =>
        await db.Database.SqlQuery<long>(
            $"select coalesce(outcome_rows, 0) as \"Value\" from retention_run_items where run_id = {runId} and seq = {seq}").SingleAsync(ct);

    async Task MarkHeldAsync(Guid runId, int seq, Guid holdId, CancellationToken ct)
    {
        var reason = await db.Database.SqlQuery<string>($"""
            select format('Under legal hold %s (%s%s): %s', id, scope_type, coalesce(' ' || scope_id::text, ''), reason) as "Value"
            from legal_holds where id = {holdId}
            """).SingleAsync(ct);
        await db.Database.ExecuteSqlAsync($"update retention_run_items set hold_id = {holdId} where run_id = {runId} and seq = {seq}", ct);
        await MarkAsync(runId, seq, RetentionOutcomes.Held, reason, 0, ct);
    }

    async Task MarkAsync(Guid runId, int seq, string outcome, string? reason, long? rows, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            update retention_run_items set outcome = {outcome}, outcome_reason = {reason}, outcome_rows = {rows}, done_at = {now}
            where run_id = {runId} and seq = {seq}
            """, ct);
    }

    // ---- reads ------------------------------------------------------------------------------------------------------

    public async Task<RetentionRunView?> GetAsync(Guid runId, CancellationToken ct = default) =>
        await db.Database.SqlQueryRaw<RetentionRunView>($"select {RunColumns} from retention_runs where id = {{0}}", runId).SingleOrDefaultAsync(ct);

    public async Task<IReadOnlyList<RetentionRunView>> ListAsync(int limit = 50, CancellationToken ct = default) =>
        await db.Database.SqlQueryRaw<RetentionRunView>($"select {RunColumns} from retention_runs order by created_at desc, id desc limit {{0}}", limit)
            .ToListAsync(ct);

    /// <summary>The columns the report can be sorted by, and their SQL.</summary>
    public static readonly IReadOnlyDictionary<string, string> SortColumns = new Dictionary<string, string>
    {
        ["seq"] = "i.seq", ["kind"] = "i.kind", ["table"] = "i.table_name", ["dueSince"] = "i.due_since", ["rows"] = "i.rows",
        ["held"] = "(i.hold_id is not null)", ["outcome"] = "i.outcome",
    };

    /// <summary>A run's items, sorted by <paramref name="sort"/> (a key of <see cref="SortColumns"/>, then seq).</summary>
    public async Task<IReadOnlyList<RetentionItemView>> ItemsAsync(Guid runId, string sort = "seq", bool descending = false, CancellationToken ct = default)
    {
        var order = SortColumns.TryGetValue(sort, out var column) ? column : throw new ArgumentException($"Cannot sort by {sort}.", nameof(sort));
        return await db.Database.SqlQueryRaw<RetentionItemView>($$"""
            select i.seq as "Seq", i.kind as "Kind", i.table_name as "TableName", i.target_id as "TargetId", i.subject_user_id as "SubjectUserId",
                   i.rows as "Rows", i.due_since as "DueSince", i.why as "Why", i.hold_id as "HoldId", h.reason as "HoldReason", i.outcome as "Outcome",
                   i.outcome_reason as "OutcomeReason", i.outcome_rows as "OutcomeRows", i.done_at as "DoneAt"
            from retention_run_items i left join legal_holds h on h.id = i.hold_id
            where i.run_id = {0}
            order by {{order}} {{(descending ? "desc" : "asc")}} nulls last, i.seq
            """, runId).ToListAsync(ct);
    }

    /// <summary>
    /// The report as CSV (RFC 4180, CRLF), a header and one line per item. A field starting with <c>=</c>, <c>+</c>,
    /// <c>-</c>, <c>@</c>, tab or CR (a reason quoting an import value, a hold's reason) gets a leading apostrophe, so a
    /// spreadsheet shows it as text instead of running it as a formula (CSV injection).
    /// </summary>
    public static string ToCsv(IEnumerable<RetentionItemView> items)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvOptions, leaveOpen: true))
        {
            csv.WriteHeader(["seq", "kind", "table", "target_id", "subject_user_id", "rows", "due_since", "why", "held", "hold_id", "hold_reason", "outcome",
                "outcome_reason", "outcome_rows", "done_at"]);
            foreach (var i in items)
                csv.WriteRecord(
                [
                    i.Seq.ToString(CultureInfo.InvariantCulture), i.Kind, i.TableName, i.TargetId.ToString(), i.SubjectUserId?.ToString(),
                    i.Rows.ToString(CultureInfo.InvariantCulture), Utc(i.DueSince), i.Why, i.HoldId != null ? "yes" : "no", i.HoldId?.ToString(),
                    i.HoldReason, i.Outcome, i.OutcomeReason, i.OutcomeRows?.ToString(CultureInfo.InvariantCulture), i.DoneAt is { } done ? Utc(done) : null,
                ]);
        }
        return text.ToString();
    }

    static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { NewLine = "\r\n", Injection = CsvInjection.Escape };

    static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // ---- helpers ----------------------------------------------------------------------------------------------------

    const string RunColumns = """
        id as "Id", state as "State", trigger as "Trigger", as_of as "AsOf", created_at as "CreatedAt", requester_actor_type as "RequesterActorType",
        requester_actor_id as "RequesterActorId", approved_at as "ApprovedAt", approver_actor_type as "ApproverActorType",
        approver_actor_id as "ApproverActorId", started_at as "StartedAt", finished_at as "FinishedAt", counts::text as "Counts",
        failure_reason as "FailureReason", certificate_id as "CertificateId"
        """;

    async Task<string?> LockStateAsync(Guid runId, CancellationToken ct) =>
        (await db.Database.SqlQuery<string>($"select state as \"Value\" from retention_runs where id = {runId} for update").ToListAsync(ct))
        .FirstOrDefault();

    async Task<Guid?> DistrictHoldAsync(CancellationToken ct) =>
        (await db.Database.SqlQuery<Guid>($"""
            select id as "Value" from legal_holds where scope_type = 'district' and released_at is null and (until is null or until > now())
            order by created_at limit 1
            """).ToListAsync(ct)).Cast<Guid?>().FirstOrDefault();

    async Task<int> FinishedCountAsync(Guid runId, CancellationToken ct) =>
        await db.Database.SqlQuery<int>($"select count(*)::int as \"Value\" from retention_run_items where run_id = {runId} and outcome is not null")
            .SingleAsync(ct);

    async Task<string> CountsAsync(Guid runId, CancellationToken ct) =>
        await db.Database.SqlQuery<string>($$"""
            select jsonb_build_object(
              'items', count(*), 'held', count(*) filter (where hold_id is not null or outcome = 'held'),
              'done', count(*) filter (where outcome = 'done'), 'skipped', count(*) filter (where outcome = 'skipped'),
              'failed', count(*) filter (where outcome = 'failed'), 'pending', count(*) filter (where outcome is null),
              'byKind', coalesce((select jsonb_object_agg(kind, n) from (select kind, count(*) as n from retention_run_items where run_id = {{runId}} group by kind) k), '{}'::jsonb)
            )::text as "Value"
            from retention_run_items where run_id = {{runId}}
            """).SingleAsync(ct);

    /// <summary>The storage key of a package path inside the district's storage folder, or null for a path outside it.</summary>
    async Task<string?> StorageKeyAsync(string packagePath, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(await storage.GetLocalPathAsync($"{TenantId}/probe", ct))!;
        var full = Path.GetFullPath(packagePath);
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        return $"{TenantId}/" + Path.GetRelativePath(folder, full).Replace(Path.DirectorySeparatorChar, '/');
    }

    static System.Text.Json.JsonElement Raw(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();

    sealed record PendingItem(int Seq, string Kind, Guid TargetId);
    sealed record ImportRunDue(DateTimeOffset? FinishedAt, string PackagePath, bool PackagePurged, bool Due, string Period);
    sealed record PersonState(string Status, DateTimeOffset? DepartedAt, bool Erased);
    sealed record ClosedRequest(string State, DateTimeOffset? ClosedAt, Guid? SubjectUserId, bool SubjectErased, string? StorageKey);
    sealed record TableRows(string Table, string Kind, long Rows);
}
