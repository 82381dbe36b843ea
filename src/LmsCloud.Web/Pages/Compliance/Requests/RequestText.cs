using System.Security.Claims;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Compliance.Requests;

/// <summary>A person as the request pages name them: display name and, for an imported person, their SIS sourcedId.</summary>
public sealed record RequestPerson(string Name, string? SisId)
{
    public override string ToString() => SisId == null ? Name : $"{Name} ({SisId})";
}

/// <summary>Words for the request pages (types, states, actors) and the caller of <see cref="ComplianceRequests"/> from a page's user.</summary>
public static class RequestText
{
    public static string Type(string type) => type switch
    {
        RequestTypes.Export => "Export of a person's record",
        RequestTypes.DistrictExport => "District export",
        RequestTypes.Erasure => "Erasure",
        RequestTypes.DisclosureLog => "Disclosure log",
        _ => type,
    };

    public static string State(string state) => state switch
    {
        RequestStates.Received => "Received",
        RequestStates.AwaitingApproval => "Awaiting approval",
        RequestStates.Approved => "Approved",
        RequestStates.Processing => "Processing",
        RequestStates.Ready => "Ready",
        RequestStates.Completed => "Completed",
        RequestStates.Rejected => "Rejected",
        RequestStates.Cancelled => "Cancelled",
        RequestStates.Failed => "Failed",
        RequestStates.Expired => "Expired",
        _ => state,
    };

    /// <summary>The officer's actions per target state: the button's words, and whether the move needs a reason.</summary>
    public static (string Label, bool NeedsReason) Action(string from, string to) => to switch
    {
        RequestStates.AwaitingApproval => ("Submit for approval", false),
        RequestStates.Approved => (from == RequestStates.Failed ? "Retry (approve again)" : "Approve", false),
        RequestStates.Processing => ("Retry now (processing)", false),
        RequestStates.Rejected => ("Reject", true),
        RequestStates.Cancelled => ("Cancel the request", true),
        RequestStates.Completed => ("Mark completed", false),
        _ => (State(to), RequestStates.NeedsReason(to)),
    };

    /// <summary>The moves an officer makes by hand on this page; processing, ready, failed and expired are the jobs' moves.</summary>
    public static IReadOnlyList<string> OfficerMoves(string type, string from) =>
        new[] { RequestStates.AwaitingApproval, RequestStates.Approved, RequestStates.Rejected, RequestStates.Cancelled }
            .Where(to => RequestStates.CanMove(type, from, to)).ToList();

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes:N0} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:N1} KB",
        _ => $"{bytes / (1024.0 * 1024):N1} MB",
    };

    /// <summary>Who asks, from the browser session: the user's id and the two roles the request rules look at (as the API's).</summary>
    public static RequestCaller CallerOf(ClaimsPrincipal user)
    {
        var actor = AuditLog.ActorOf(user);
        return new RequestCaller(actor, actor.Type == "user" && Guid.TryParse(actor.Id, out var id) ? id : null,
            user.IsInRole(Roles.ComplianceOfficer), user.IsInRole(Roles.Guardian));
    }

    /// <summary>The people of these ids, with their SIS sourcedIds; ids of nobody (erased) are left out.</summary>
    public static async Task<Dictionary<Guid, RequestPerson>> PeopleAsync(LmsDbContext db, IEnumerable<Guid?> ids, CancellationToken ct)
    {
        var wanted = ids.OfType<Guid>().Distinct().ToList();
        if (wanted.Count == 0) return [];
        var names = await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).Select(u => new { u.Id, u.DisplayName }).ToListAsync(ct);
        var sisIds = await db.Database.SqlQuery<SisIdRow>($"""
            select internal_id as "Id", min(external_id) as "SisId" from external_ids
            where entity_type = 'users' and internal_id = any({wanted.ToArray()}) group by internal_id
            """).ToDictionaryAsync(r => r.Id, r => r.SisId, ct);
        return names.ToDictionary(n => n.Id, n => new RequestPerson(n.DisplayName, sisIds.GetValueOrDefault(n.Id)));
    }

    /// <summary>The ids of every person a request row or its timeline names (subject, requester, decider, actors).</summary>
    public static IEnumerable<Guid?> IdsOf(ComplianceRequestView r) =>
        new[] { r.SubjectUserId, r.DeciderUserId, UserIdOf(r.RequesterActorType, r.RequesterActorId) }
            .Concat((r.Timeline ?? []).Select(e => UserIdOf(e.ActorType, e.ActorId)));

    public static Guid? UserIdOf(string? actorType, string? actorId) =>
        actorType == "user" && Guid.TryParse(actorId, out var id) ? id : null;

    /// <summary>An actor as a person reads it: a user's name, the export job, an operator at the CLI.</summary>
    public static string Actor(string actorType, string? actorId, IReadOnlyDictionary<Guid, RequestPerson> people) =>
        UserIdOf(actorType, actorId) is { } id
            ? people.TryGetValue(id, out var person) ? person.Name : "a deleted user"
            : actorType switch
            {
                "system" => actorId == ComplianceExportsActorId ? "the export job" : $"the system ({actorId})",
                "operator" => $"operator {actorId}",
                "client" => $"integration client {actorId}",
                _ => actorId == null ? actorType : $"{actorType} {actorId}",
            };

    const string ComplianceExportsActorId = "compliance-export";

    sealed class SisIdRow
    {
        public Guid Id { get; set; }
        public string SisId { get; set; } = "";
    }
}
