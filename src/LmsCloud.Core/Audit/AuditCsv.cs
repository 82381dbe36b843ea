using CsvHelper;

namespace LmsCloud.Core.Audit;

/// <summary>
/// The audit trail as CSV, streamed: RFC 4180, and safe to open in a spreadsheet. Reasons, entity ids and before/after
/// values can hold what anybody typed (a failed sign-in's user name), so CsvHelper escapes any field a spreadsheet would
/// run as a formula (starting with = + - @, a tab or a CR), as the import errors CSV does (OWASP CSV injection).
/// </summary>
public static class AuditCsv
{
    static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<AuditEventRecord> events, CancellationToken ct)
    {
        // Asynchronous writes only: the response body refuses synchronous I/O. The buffer goes out as it fills.
        await using var csv = CsvWriter.Create(body, Options, leaveOpen: true);
        csv.WriteHeader(["seq", "occurred_at_utc", "actor_type", "actor_id", "real_actor_id", "action", "entity_type", "entity_id",
            "subject_user_id", "before", "after", "reason", "request_id", "client_address"]);
        await foreach (var e in events.WithCancellation(ct))
        {
            csv.WriteField(e.Seq);
            csv.WriteField(e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'"));
            csv.WriteField(e.ActorType);
            csv.WriteField(e.ActorId);
            csv.WriteField(e.RealActorId);
            csv.WriteField(e.Action);
            csv.WriteField(e.EntityType);
            csv.WriteField(e.EntityId);
            csv.WriteField(e.SubjectUserId?.ToString());
            csv.WriteField(e.BeforeValues);
            csv.WriteField(e.AfterValues);
            csv.WriteField(e.Reason);
            csv.WriteField(e.RequestId);
            csv.WriteField(e.ClientAddress);
            await csv.EndRecordAsync(ct);
        }
    }
}
