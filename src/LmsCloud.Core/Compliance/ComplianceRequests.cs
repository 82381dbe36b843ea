using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Compliance;

/// <summary>Who is asking: the audit actor, their user id (null for an operator or a job) and the roles that matter here.</summary>
public sealed record RequestCaller(AuditActor Actor, Guid? UserId, bool IsComplianceOfficer, bool IsGuardian)
{
    /// <summary>An operator at the CLI or a job: acts as a compliance officer, with no user of the district.</summary>
    public static RequestCaller System(AuditActor actor) => new(actor, null, IsComplianceOfficer: true, IsGuardian: false);
}

public sealed record NewComplianceRequest(string? Type, Guid? SubjectId, string? Comment);

public sealed record RequestFilter(string? State = null, string? Type = null, bool? Overdue = null);

/// <summary>The outcome of one part of the processing (one table exported, one file written), for <see cref="ComplianceRequests.FinishAsync"/>.</summary>
public sealed record PartOutcome(string Part, bool Succeeded, string? Error = null);

public enum RequestErrorKind { Validation, Forbidden, NotFound, OpenRequestExists, IllegalTransition }

/// <summary>Why a request could not be created or moved. <see cref="Field"/>: the input at fault (validation); <see cref="ExistingId"/>: the open request.</summary>
public sealed record RequestError(RequestErrorKind Kind, string Message, string? Field = null, Guid? ExistingId = null,
    string? From = null, string? To = null);

public sealed record RequestOutcome(ComplianceRequest? Request, RequestError? Error)
{
    public static RequestOutcome Fail(RequestErrorKind kind, string message, string? field = null) => new(null, new RequestError(kind, message, field));
}

public sealed record RequestTimelineEntry(int Seq, DateTimeOffset OccurredAt, string ActorType, string? ActorId, string? FromState, string? ToState,
    string? Comment);

/// <summary>A request as the API and the pages show it: <see cref="Overdue"/> is computed now.</summary>
public sealed record ComplianceRequestView(Guid Id, string Type, string State, Guid? SubjectUserId, string RequesterActorType,
    string? RequesterActorId, Guid? DeciderUserId, DateTimeOffset? DecidedAt, string? Reason, DateTimeOffset DueAt, bool Overdue,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ClosedAt, IReadOnlyList<RequestTimelineEntry>? Timeline = null)
{
    public static ComplianceRequestView From(ComplianceRequest r, DateTimeOffset now, IReadOnlyList<RequestTimelineEntry>? timeline = null) =>
        new(r.Id, r.Type, r.State, r.SubjectUserId, r.RequesterActorType, r.RequesterActorId, r.DeciderUserId, r.DecidedAt, r.Reason, r.DueAt,
            r.IsOverdue(now), r.CreatedAt, r.UpdatedAt, r.ClosedAt, timeline);
}

/// <summary>
/// Compliance requests: creating them (with the guardian rule and one open request per subject and type), the one
/// transition function that every move goes through (<see cref="TransitionAsync"/>), comments, and reads. Every step
/// writes the request's timeline and an audit event in one transaction.
/// <para>
/// The hook for the processing that comes later (exports, erasure): a job picks an <c>approved</c> request, calls
/// <see cref="TransitionAsync"/> to <c>processing</c>, does its parts and reports them to <see cref="FinishAsync"/>, which
/// ends the request <c>ready</c> or <c>completed</c> only when every part succeeded, and <c>failed</c> with the failed
/// parts named otherwise. A failed request is retried by moving it to <c>approved</c> or <c>processing</c> again.
/// </para>
/// </summary>
public sealed class ComplianceRequests(LmsDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>FERPA §99.10: access within 45 days. A district may set <c>settings.compliance.requestDeadlineDays</c> (1 to 365).</summary>
    public const int DefaultDeadlineDays = 45;

    public const int MaxCommentLength = 2000;

    public async Task<RequestOutcome> CreateAsync(NewComplianceRequest input, RequestCaller caller, CancellationToken ct = default)
    {
        var type = input.Type?.Trim().ToLowerInvariant();
        if (type == null || !RequestTypes.All.Contains(type))
            return RequestOutcome.Fail(RequestErrorKind.Validation, $"type must be one of {string.Join(", ", RequestTypes.All)}.", "type");
        if (type == RequestTypes.DistrictExport && input.SubjectId != null)
            return RequestOutcome.Fail(RequestErrorKind.Validation, "A district export is about the whole district: leave subjectId out.", "subjectId");
        if (type != RequestTypes.DistrictExport && input.SubjectId == null)
            return RequestOutcome.Fail(RequestErrorKind.Validation, $"A request of type {type} needs subjectId: the person it is about.", "subjectId");
        if (CheckComment(input.Comment, "comment") is { } commentError) return new(null, commentError);

        if (!caller.IsComplianceOfficer)
        {
            // A guardian may ask for an export of their own child, as the roster links them; nothing else.
            var ownChild = caller.IsGuardian && caller.UserId is { } guardian && type == RequestTypes.Export &&
                           await db.GuardianLinks.AnyAsync(g => g.GuardianId == guardian && g.StudentId == input.SubjectId, ct);
            if (!ownChild)
                return RequestOutcome.Fail(RequestErrorKind.Forbidden,
                    "Only a compliance officer may make this request; a guardian may request an export of their own child's record.");
        }
        if (input.SubjectId is { } subject && !await db.Users.AnyAsync(u => u.Id == subject, ct))
            return RequestOutcome.Fail(RequestErrorKind.Validation, "No person with this id in the district.", "subjectId");

        var now = clock.GetUtcNow();
        var request = new ComplianceRequest
        {
            TenantId = db.TenantId ?? throw new InvalidOperationException("Requests belong to a district."),
            Type = type,
            SubjectUserId = input.SubjectId,
            RequesterActorType = caller.Actor.Type,
            RequesterActorId = caller.Actor.Id,
            DueAt = now.AddDays(await DeadlineDaysAsync(ct)),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // The partial unique index decides, so two racing creates cannot both succeed; the second waits for the first
            // to commit and then inserts nothing (no error: a duplicate is the caller's 409, not our incident).
            var inserted = await db.Database.ExecuteSqlAsync($"""
                insert into compliance_requests (tenant_id, id, type, state, subject_user_id, requester_actor_type, requester_actor_id, due_at,
                                                 created_at, updated_at)
                values ({request.TenantId}, {request.Id}, {request.Type}, {request.State}, {request.SubjectUserId}, {request.RequesterActorType},
                        {request.RequesterActorId}, {request.DueAt}, {request.CreatedAt}, {request.UpdatedAt})
                on conflict (tenant_id, type, subject_user_id) where state in ('received', 'awaiting_approval', 'approved', 'processing', 'failed')
                do nothing
                """, ct);
            if (inserted == 1)
            {
                AddEvent(request, 1, caller, null, RequestStates.Received, input.Comment, now);
                await db.SaveChangesAsync(ct);
                await audit.WriteAsync(new AuditEntry("compliance_request.received", "compliance_request", request.Id.ToString(), request.SubjectUserId,
                    After: new { request.Type, request.State, request.DueAt, comment = input.Comment }, Actor: caller.Actor), ct);
                await tx.CommitAsync(ct);
                return new(request, null);
            }
        }
        var existing = await db.ComplianceRequests.AsNoTracking()
            .Where(r => r.Type == type && r.SubjectUserId == input.SubjectId && RequestStates.Open.Contains(r.State))
            .Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct);
        return new(null, new RequestError(RequestErrorKind.OpenRequestExists,
            $"An open {type} request for this {(input.SubjectId == null ? "district" : "person")} exists already ({existing}); " +
            "work on it, or cancel it first.", ExistingId: existing));
    }

    /// <summary>
    /// The one way a request changes state. Refuses a move the state table does not allow (naming both states), a
    /// refusal, cancellation or failure without a reason, and everyone but a compliance officer (or operator, or job).
    /// </summary>
    public async Task<RequestOutcome> TransitionAsync(Guid id, string to, RequestCaller caller, string? reasonOrComment = null, CancellationToken ct = default)
    {
        if (!caller.IsComplianceOfficer)
            return RequestOutcome.Fail(RequestErrorKind.Forbidden, "Only a compliance officer may move a request.");
        if (!RequestStates.All.Contains(to))
            return RequestOutcome.Fail(RequestErrorKind.Validation, $"{to} is not a state of a request.", "state");
        var reasonField = RequestStates.NeedsReason(to) ? "reason" : "comment";
        if (CheckComment(reasonOrComment, reasonField) is { } error) return new(null, error);
        if (RequestStates.NeedsReason(to) && string.IsNullOrWhiteSpace(reasonOrComment))
            return RequestOutcome.Fail(RequestErrorKind.Validation, $"Moving a request to {to} needs a reason.", "reason");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Locked, so two officers acting at once take turns and the second sees the first's state.
        var request = await db.ComplianceRequests.FromSql($"select * from compliance_requests where id = {id} for update").SingleOrDefaultAsync(ct);
        if (request == null) return RequestOutcome.Fail(RequestErrorKind.NotFound, "No such request in this district.");
        var from = request.State;
        if (!RequestStates.CanMove(request.Type, from, to))
            return new(null, new RequestError(RequestErrorKind.IllegalTransition,
                $"A {request.Type} request in state {from} cannot move to {to}.", From: from, To: to));

        var now = clock.GetUtcNow();
        request.State = to;
        request.UpdatedAt = now;
        if (RequestStates.NeedsReason(to)) request.Reason = reasonOrComment!.Trim();
        else if (from == RequestStates.Failed) request.Reason = null; // retried: the failure stays on the timeline
        if (to is RequestStates.Approved or RequestStates.Rejected && from != RequestStates.Failed)
        {
            request.DeciderUserId = caller.UserId;
            request.DecidedAt = now;
        }
        if (RequestStates.Closed.Contains(to)) request.ClosedAt = now;
        var seq = await db.ComplianceRequestEvents.Where(e => e.RequestId == id).MaxAsync(e => (int?)e.Seq, ct) ?? 0;
        AddEvent(request, seq + 1, caller, from, to, reasonOrComment, now);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry($"compliance_request.{to}", "compliance_request", request.Id.ToString(), request.SubjectUserId,
            Before: new { state = from }, After: new { state = to, request.Type }, Reason: reasonOrComment, Actor: caller.Actor), ct);
        await tx.CommitAsync(ct);
        return new(request, null);
    }

    /// <summary>
    /// The end of processing: <c>ready</c> (a download) or <c>completed</c> (an erasure) when every part succeeded, else
    /// <c>failed</c> naming the parts that did not. No parts at all is a failure too: nothing was done.
    /// </summary>
    public async Task<RequestOutcome> FinishAsync(Guid id, IReadOnlyList<PartOutcome> parts, RequestCaller caller, CancellationToken ct = default)
    {
        var type = await db.ComplianceRequests.Where(r => r.Id == id).Select(r => r.Type).SingleOrDefaultAsync(ct);
        if (type == null) return RequestOutcome.Fail(RequestErrorKind.NotFound, "No such request in this district.");
        var failed = parts.Where(p => !p.Succeeded).ToList();
        if (parts.Count == 0 || failed.Count > 0)
            return await TransitionAsync(id, RequestStates.Failed, caller,
                parts.Count == 0 ? "No part of the work was done." :
                $"{failed.Count} of {parts.Count} parts failed: " + string.Join("; ", failed.Select(p => $"{p.Part}: {p.Error ?? "failed"}")), ct);
        return await TransitionAsync(id, RequestTypes.ProducesDownload(type) ? RequestStates.Ready : RequestStates.Completed, caller,
            $"{parts.Count} parts done.", ct);
    }

    /// <summary>A dated comment on the request's timeline.</summary>
    public async Task<RequestOutcome> CommentAsync(Guid id, string? comment, RequestCaller caller, CancellationToken ct = default)
    {
        if (!caller.IsComplianceOfficer) return RequestOutcome.Fail(RequestErrorKind.Forbidden, "Only a compliance officer may comment on a request.");
        if (string.IsNullOrWhiteSpace(comment)) return RequestOutcome.Fail(RequestErrorKind.Validation, "A comment needs text.", "comment");
        if (CheckComment(comment, "comment") is { } error) return new(null, error);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var request = await db.ComplianceRequests.FromSql($"select * from compliance_requests where id = {id} for update").SingleOrDefaultAsync(ct);
        if (request == null) return RequestOutcome.Fail(RequestErrorKind.NotFound, "No such request in this district.");
        var now = clock.GetUtcNow();
        var seq = await db.ComplianceRequestEvents.Where(e => e.RequestId == id).MaxAsync(e => (int?)e.Seq, ct) ?? 0;
        AddEvent(request, seq + 1, caller, null, null, comment, now);
        request.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("compliance_request.commented", "compliance_request", request.Id.ToString(), request.SubjectUserId,
            After: new { comment }, Actor: caller.Actor), ct);
        await tx.CommitAsync(ct);
        return new(request, null);
    }

    /// <summary>The district's requests, newest first, filtered; <paramref name="now"/> decides what is overdue.</summary>
    public IQueryable<ComplianceRequest> Query(RequestFilter filter, DateTimeOffset now)
    {
        var query = db.ComplianceRequests.AsNoTracking();
        if (filter.State != null) query = query.Where(r => r.State == filter.State);
        if (filter.Type != null) query = query.Where(r => r.Type == filter.Type);
        if (filter.Overdue == true) query = query.Where(r => RequestStates.Open.Contains(r.State) && r.DueAt < now);
        if (filter.Overdue == false) query = query.Where(r => !(RequestStates.Open.Contains(r.State) && r.DueAt < now));
        return query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id);
    }

    /// <summary>
    /// The requests this actor made (a guardian's "My requests"), newest first: the requester is who asked, as the audit
    /// log names them, which is also who may download (<c>ExportDownloads</c>).
    /// </summary>
    public IQueryable<ComplianceRequest> QueryByRequester(AuditActor requester) =>
        db.ComplianceRequests.AsNoTracking()
            .Where(r => r.RequesterActorType == requester.Type && r.RequesterActorId == requester.Id)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id);

    /// <summary>One request with its timeline, or null.</summary>
    public async Task<ComplianceRequestView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var request = await db.ComplianceRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (request == null) return null;
        var timeline = await db.ComplianceRequestEvents.AsNoTracking().Where(e => e.RequestId == id).OrderBy(e => e.Seq)
            .Select(e => new RequestTimelineEntry(e.Seq, e.OccurredAt, e.ActorType, e.ActorId, e.FromState, e.ToState, e.Comment))
            .ToListAsync(ct);
        return ComplianceRequestView.From(request, clock.GetUtcNow(), timeline);
    }

    /// <summary>Days from creation to due: the district's <c>settings.compliance.requestDeadlineDays</c> when it is 1 to 365, else 45.</summary>
    async Task<int> DeadlineDaysAsync(CancellationToken ct)
    {
        var configured = await db.Database.SqlQuery<string?>(
                $"select settings #>> '{{compliance,requestDeadlineDays}}' as \"Value\" from district_profiles")
            .SingleOrDefaultAsync(ct);
        return int.TryParse(configured, out var days) && days is >= 1 and <= 365 ? days : DefaultDeadlineDays;
    }

    void AddEvent(ComplianceRequest request, int seq, RequestCaller caller, string? from, string? to, string? comment, DateTimeOffset now) =>
        db.ComplianceRequestEvents.Add(new ComplianceRequestEvent
        {
            TenantId = request.TenantId, RequestId = request.Id, Seq = seq, OccurredAt = now, ActorType = caller.Actor.Type,
            ActorId = caller.Actor.Id, FromState = from, ToState = to, Comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
        });

    static RequestError? CheckComment(string? text, string field) =>
        text == null ? null
        : text.Length > MaxCommentLength ? new(RequestErrorKind.Validation, $"{field} may be at most {MaxCommentLength} characters.", field)
        : text.Contains('\0') ? new(RequestErrorKind.Validation, $"{field} may not contain NUL (U+0000).", field)
        : null;
}

public static class ComplianceExtensions
{
    public static IServiceCollection AddCompliance(this IServiceCollection services) => services.AddScoped<ComplianceRequests>();
}
