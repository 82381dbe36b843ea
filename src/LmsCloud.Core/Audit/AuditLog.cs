using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LmsCloud.Core.Audit;

/// <summary>One row of <c>audit_events</c>, as stored and hashed.</summary>
public sealed class AuditEventRecord : ITenantOwned
{
    public Guid TenantId { get; set; }
    public long Seq { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string ActorType { get; set; } = "";
    public string? ActorId { get; set; }
    public string? RealActorId { get; set; }
    public string Action { get; set; } = "";
    public string? EntityType { get; set; }
    public string? EntityId { get; set; }
    public Guid? SubjectUserId { get; set; }
    public string? BeforeValues { get; set; }
    public string? AfterValues { get; set; }
    public string? Reason { get; set; }
    public string? RequestId { get; set; }
    public string? ClientAddress { get; set; }
    public byte[] PrevHash { get; set; } = [];
    public byte[] Hash { get; set; } = [];

    /// <summary>1: the hash covers every field (events before migration 0020); 2: it covers <see cref="PayloadDigest"/> instead of the payload.</summary>
    public short HashVersion { get; set; } = 2;

    /// <summary>Random bytes salting the payload's commitment; null once the payload is redacted.</summary>
    public byte[]? PayloadSalt { get; set; }

    /// <summary>SHA-256 over <see cref="PayloadSalt"/> and the payload (before/after values, reason, client address).</summary>
    public byte[]? PayloadDigest { get; set; }

    /// <summary>When an erasure redacted the payload; the chain still verifies over <see cref="PayloadDigest"/>.</summary>
    public DateTimeOffset? RedactedAt { get; set; }

    /// <summary>
    /// SHA-256 over the previous hash and a canonical JSON array of the other fields. Version 2 puts the payload's digest
    /// where version 1 had the payload, so a redacted payload leaves the hash as it was (docs/decisions/0020).
    /// </summary>
    public byte[] ComputeHash()
    {
        var at = OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
        var canonical = HashVersion == 1
            ? JsonSerializer.Serialize(new object?[]
            {
                TenantId, Seq, at, ActorType, ActorId, RealActorId,
                Action, EntityType, EntityId, SubjectUserId, BeforeValues, AfterValues, Reason, RequestId, ClientAddress,
            })
            : JsonSerializer.Serialize(new object?[]
            {
                2, TenantId, Seq, at, ActorType, ActorId, RealActorId, Action, EntityType, EntityId, SubjectUserId, RequestId,
                Convert.ToHexString(PayloadDigest ?? []),
            });
        return SHA256.HashData([.. PrevHash, .. Encoding.UTF8.GetBytes(canonical)]);
    }

    /// <summary>The commitment to the payload as it is now (version 2, not redacted).</summary>
    public byte[] ComputePayloadDigest()
    {
        var payload = JsonSerializer.Serialize(new object?[] { BeforeValues, AfterValues, Reason, ClientAddress });
        return SHA256.HashData([.. PayloadSalt ?? [], .. Encoding.UTF8.GetBytes(payload)]);
    }
}

/// <summary>Who did it: a user, an integration client, an operator at the CLI, a job, an import run, or nobody known.</summary>
public sealed record AuditActor(string Type, string? Id, string? RealId = null)
{
    public static readonly AuditActor Anonymous = new("anonymous", null);
    public static AuditActor User(Guid id) => new("user", id.ToString());
    public static AuditActor Operator(string name) => new("operator", name);
}

/// <summary>What happened. <see cref="Before"/> and <see cref="After"/> are serialised to JSON.</summary>
public sealed record AuditEntry(
    string Action,
    string? EntityType = null,
    string? EntityId = null,
    Guid? SubjectUserId = null,
    object? Before = null,
    object? After = null,
    string? Reason = null,
    AuditActor? Actor = null);

/// <summary>
/// Who acts, and from where, in one unit of work (a DI scope): the audit log reads it for events that name no actor.
/// Each host fills it: the API from the request (the token's user or client, request id, client address); the CLI,
/// jobs and the import engine name their actor on the entry instead.
/// </summary>
public sealed class AuditContext
{
    public AuditActor Actor { get; init; } = AuditActor.Anonymous;
    public string? RequestId { get; init; }
    public string? ClientAddress { get; init; }
}

/// <summary>
/// The chain's state: intact (<see cref="Checked"/> events, seq 1 to <see cref="Checked"/>), or broken at
/// <see cref="FirstBrokenSeq"/>, with <see cref="Problem"/> saying how, in words a compliance officer can act on.
/// </summary>
public sealed record AuditVerification(bool Ok, long Checked, long? FirstBrokenSeq, string? Problem = null);

/// <summary>
/// Appends events to the district's hash chain inside the caller's transaction, so an event exists exactly when the
/// change it records does. Writers of one district are serialised by a transaction-scoped advisory lock.
/// </summary>
public sealed class AuditLog(LmsDbContext db, AuditContext context, TimeProvider clock)
{
    static readonly byte[] Genesis = new byte[32];
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The longest string an event keeps, in any field or JSON value. The log is append-only, and some events record what
    /// an anonymous caller sent (a failed sign-in's user name): nobody may make it grow by megabytes.
    /// </summary>
    public const int MaxStringLength = 256;

    /// <summary>The most JSON one event's before or after values keep; past it, only a note of the size.</summary>
    public const int MaxJsonLength = 16_384;

    static string? Cap(string? value) =>
        value is { Length: > MaxStringLength } ? $"{value[..MaxStringLength]}… ({value.Length} characters)" : value;

    static string? CappedJson(object? values)
    {
        if (values == null) return null;
        var node = JsonSerializer.SerializeToNode(values, Json);
        CapStrings(node);
        var json = node?.ToJsonString(Json) ?? "null";
        return json.Length <= MaxJsonLength ? json : JsonSerializer.Serialize(new { truncated = true, length = json.Length }, Json);
    }

    static void CapStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                    if (child is JsonValue v && v.TryGetValue<string>(out var text)) o[key] = Cap(text);
                    else CapStrings(child);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var text)) a[i] = Cap(text);
                    else CapStrings(a[i]);
                break;
        }
    }

    public async Task WriteAsync(AuditEntry entry, CancellationToken ct = default)
    {
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("Audit events are written in the transaction of the change they record.");
        var tenantId = db.TenantId ?? throw new InvalidOperationException("Audit events belong to a district.");
        await AppendAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), tenantId,
            entry, entry.Actor ?? context.Actor, context.RequestId, context.ClientAddress, clock.GetUtcNow(), ct);
    }

    /// <summary>Appends one event to the district's chain on the caller's connection and transaction.</summary>
    public static async Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid tenantId, AuditEntry entry, AuditActor actor,
        string? requestId, string? clientAddress, DateTimeOffset now, CancellationToken ct)
    {
        long lastSeq = 0;
        var prevHash = Genesis;
        await using (var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new("select pg_advisory_xact_lock(hashtextextended('audit_events:' || $1::text, 0))") { Parameters = { new() { Value = tenantId } } },
                new("select seq, hash from audit_events where tenant_id = $1 order by seq desc limit 1") { Parameters = { new() { Value = tenantId } } },
            },
        })
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                lastSeq = reader.GetInt64(0);
                prevHash = (byte[])reader[1];
            }
        }

        var record = new AuditEventRecord
        {
            TenantId = tenantId,
            Seq = lastSeq + 1,
            OccurredAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero), // PostgreSQL keeps microseconds
            ActorType = actor.Type,
            ActorId = Cap(actor.Id),
            RealActorId = Cap(actor.RealId),
            Action = entry.Action,
            EntityType = Cap(entry.EntityType),
            EntityId = Cap(entry.EntityId),
            SubjectUserId = entry.SubjectUserId,
            BeforeValues = CappedJson(entry.Before),
            AfterValues = CappedJson(entry.After),
            Reason = Cap(entry.Reason),
            RequestId = Cap(requestId),
            ClientAddress = Cap(clientAddress),
            PrevHash = prevHash,
            PayloadSalt = RandomNumberGenerator.GetBytes(16),
        };
        record.PayloadDigest = record.ComputePayloadDigest();
        record.Hash = record.ComputeHash();

        await using var insert = new NpgsqlCommand("""
            insert into audit_events (tenant_id, seq, occurred_at, actor_type, actor_id, real_actor_id, action, entity_type,
              entity_id, subject_user_id, before_values, after_values, reason, request_id, client_address, prev_hash, hash,
              hash_version, payload_salt, payload_digest)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::json, $12::json, $13, $14, $15, $16, $17, $18, $19, $20)
            """, conn, tx);
        foreach (var value in new object?[]
                 {
                     record.TenantId, record.Seq, record.OccurredAt, record.ActorType, record.ActorId, record.RealActorId,
                     record.Action, record.EntityType, record.EntityId, record.SubjectUserId, record.BeforeValues,
                     record.AfterValues, record.Reason, record.RequestId, record.ClientAddress, record.PrevHash, record.Hash,
                     record.HashVersion, record.PayloadSalt, record.PayloadDigest,
                 })
            insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The actor of an authenticated request: the user or integration client its token names.</summary>
    public static AuditActor ActorOf(ClaimsPrincipal? principal)
    {
        var subject = principal?.FindFirst("sub")?.Value;
        if (subject == null) return AuditActor.Anonymous;
        var realActor = principal!.FindFirst("act")?.Value; // RFC 8693 actor claim, for impersonation
        return principal.FindFirst("client_id") != null
            ? new AuditActor("client", subject, realActor)
            : new AuditActor("user", subject, realActor);
    }

    /// <summary>Recomputes the district's chain from the first event and reports the first sequence that does not hold.</summary>
    public static async Task<AuditVerification> VerifyAsync(LmsDbContext db, CancellationToken ct = default)
    {
        long expectedSeq = 1, checkedCount = 0;
        var prev = Genesis;
        await foreach (var row in db.AuditEvents.AsNoTracking().OrderBy(e => e.Seq).AsAsyncEnumerable().WithCancellation(ct))
        {
            var problem =
                row.Seq != expectedSeq ? $"Event {expectedSeq} is missing: the next event stored is {row.Seq}."
                : !row.PrevHash.AsSpan().SequenceEqual(prev) ? $"Event {row.Seq} does not follow event {row.Seq - 1}: its link to the previous event's hash does not match."
                : row.HashVersion == 2 && row.RedactedAt == null && !row.ComputePayloadDigest().AsSpan().SequenceEqual(row.PayloadDigest) ? $"Event {row.Seq} was changed after it was written: its content no longer matches its hash."
                : !row.ComputeHash().AsSpan().SequenceEqual(row.Hash) ? $"Event {row.Seq} was changed after it was written: its content no longer matches its hash."
                : null;
            if (problem != null) return new AuditVerification(false, checkedCount, Math.Min(row.Seq, expectedSeq), problem);
            checkedCount++;
            expectedSeq++;
            prev = row.Hash;
        }
        return new AuditVerification(true, checkedCount, null);
    }
}
