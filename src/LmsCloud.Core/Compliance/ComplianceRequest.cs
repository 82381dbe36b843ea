using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Compliance;

/// <summary>What a request asks for.</summary>
public static class RequestTypes
{
    /// <summary>One person's data (a student's record, for a guardian or an officer).</summary>
    public const string Export = "export";

    /// <summary>The whole district's data, for an officer (offboarding, a transfer to a successor).</summary>
    public const string DistrictExport = "district_export";

    /// <summary>One person's data erased (or anonymised, as the data map says).</summary>
    public const string Erasure = "erasure";

    /// <summary>The record of who was given access to one person's data (FERPA §99.32).</summary>
    public const string DisclosureLog = "disclosure_log";

    public static readonly IReadOnlyList<string> All = [Export, DistrictExport, Erasure, DisclosureLog];

    /// <summary>Whether the work ends in a file to download (ready) rather than done (completed).</summary>
    public static bool ProducesDownload(string type) => type != Erasure;
}

/// <summary>
/// The states of a request and the one table of moves between them (<see cref="CanMove"/>):
/// received → awaiting_approval → approved → processing → ready → completed | expired (downloads) or
/// processing → completed (erasure); rejected and cancelled on the way; failed from processing, and retried from there.
/// </summary>
public static class RequestStates
{
    public const string Received = "received";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Approved = "approved";
    public const string Processing = "processing";
    public const string Ready = "ready";
    public const string Completed = "completed";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All =
        [Received, AwaitingApproval, Approved, Processing, Ready, Completed, Rejected, Cancelled, Failed, Expired];

    /// <summary>Still to be worked on: at most one of these per subject and type (the index compliance_requests_one_open).</summary>
    public static readonly IReadOnlyList<string> Open = [Received, AwaitingApproval, Approved, Processing, Failed];

    /// <summary>Nothing more happens to it.</summary>
    public static readonly IReadOnlyList<string> Closed = [Completed, Rejected, Cancelled, Expired];

    static readonly Dictionary<string, string[]> Moves = new()
    {
        [Received] = [AwaitingApproval, Rejected, Cancelled],
        [AwaitingApproval] = [Approved, Rejected, Cancelled],
        [Approved] = [Processing, Cancelled],
        [Processing] = [Ready, Completed, Failed],
        [Failed] = [Approved, Processing, Cancelled], // a retry, or giving up
        [Ready] = [Completed, Expired],
        [Completed] = [],
        [Rejected] = [],
        [Cancelled] = [],
        [Expired] = [],
    };

    /// <summary>Whether a request of this type may move from one state to the other.</summary>
    public static bool CanMove(string type, string from, string to)
    {
        if (!Moves.TryGetValue(from, out var targets) || !targets.Contains(to)) return false;
        if (from == Processing && to == Ready) return RequestTypes.ProducesDownload(type);
        if (from == Processing && to == Completed) return !RequestTypes.ProducesDownload(type); // a download is completed from ready
        return true;
    }

    /// <summary>The moves that need a reason: a refusal, giving up, a failure.</summary>
    public static bool NeedsReason(string to) => to is Rejected or Cancelled or Failed;
}

/// <summary>A compliance request (table <c>compliance_requests</c>).</summary>
public sealed class ComplianceRequest : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string Type { get; set; } = "";
    public string State { get; set; } = RequestStates.Received;

    /// <summary>The person the request is about; null only for a district export.</summary>
    public Guid? SubjectUserId { get; set; }

    public string RequesterActorType { get; set; } = "";
    public string? RequesterActorId { get; set; }
    public Guid? DeciderUserId { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>Why it was rejected, cancelled or failed (the latest such reason).</summary>
    public string? Reason { get; set; }

    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Past its due date and not yet answered (ready, completed or closed otherwise). Computed on read.</summary>
    public bool IsOverdue(DateTimeOffset now) => RequestStates.Open.Contains(State) && now > DueAt;
}

/// <summary>One step of a request's timeline (table <c>compliance_request_events</c>): a move between states, or a comment.</summary>
public sealed class ComplianceRequestEvent : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid RequestId { get; set; }
    public int Seq { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string ActorType { get; set; } = "";
    public string? ActorId { get; set; }
    public string? FromState { get; set; }
    public string? ToState { get; set; }
    public string? Comment { get; set; }
}

sealed class ComplianceRequestConfiguration : IEntityTypeConfiguration<ComplianceRequest>
{
    public void Configure(EntityTypeBuilder<ComplianceRequest> e) => e.ToTable("compliance_requests").HasKey(x => new { x.TenantId, x.Id });
}

sealed class ComplianceRequestEventConfiguration : IEntityTypeConfiguration<ComplianceRequestEvent>
{
    public void Configure(EntityTypeBuilder<ComplianceRequestEvent> e)
    {
        e.ToTable("compliance_request_events").HasKey(x => new { x.TenantId, x.RequestId, x.Seq });
        // Known to EF so that it inserts a new request before its first event.
        e.HasOne<ComplianceRequest>().WithMany().HasForeignKey(x => new { x.TenantId, x.RequestId });
    }
}
