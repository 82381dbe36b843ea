using System.Text;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LmsCloud.Core.Compliance.Erasure;

/// <summary>Who erases and why: a compliance request's id or a retention run's id (one of them, or neither for an operator).</summary>
public sealed record ErasureContext(AuditActor Actor, Guid? RequestId, Guid? RetentionRunId, string Reason);

/// <summary>What an erasure did: <see cref="Erased"/> false when refused (a legal hold, an unknown person: <see cref="Withheld"/> says why).</summary>
public sealed record ErasureResult(bool Erased, IReadOnlyList<TableCount> Counts, IReadOnlyList<Withheld> Withheld);

/// <summary>Rows of one table handled by one method: <c>delete</c>, <c>anonymise</c>, <c>keep</c>, <c>redact</c> (audit payloads), <c>scrub</c> (quoted text).</summary>
public sealed record TableCount(string Table, string Method, long Rows);

/// <summary>Something kept, and why.</summary>
public sealed record Withheld(string What, string Why);

/// <summary>
/// Erases one person of the district, in one transaction, by the data map: each entry's rule applied to the person's
/// rows (delete, anonymise with the map's replacement SQL, keep and say why), then every place that quotes the person's
/// name, user name or email in text (audit payloads, import change lists, row error messages, request comments) scrubbed,
/// the audit payloads by redaction that keeps the chain verifiable (docs/decisions/0007-audit-payload-commitments.md).
/// A person under a legal hold is refused with nothing changed. Audited as <c>person.erased</c>, with counts, by id only.
/// </summary>
public sealed class PersonErasure(LmsDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>What scrubbed text says where the person's name or email was.</summary>
    public const string Placeholder = "[erased]";

    // Foreign keys and the SourcedId keys decide the order: tokens before their authorizations, external_ids (which the
    // sourcedId keys of import_changes look up) and the users row last.
    static readonly string[] Last = ["openiddict_authorizations", "external_ids", "users"];

    public async Task<ErasureResult> EraseAsync(Guid userId, ErasureContext context, CancellationToken ct = default)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var conn = (NpgsqlConnection)db.Database.GetDbConnection();
            var ntx = (NpgsqlTransaction)tx.GetDbTransaction();

            var person = await PersonStringsAsync(conn, ntx, userId, ct);
            if (person == null)
                return new ErasureResult(false, [], [new Withheld("person", "No such person in this district.")]);

            var holds = await new Holds.LegalHolds(db, audit, clock).HoldsOnPersonAsync(userId, ct);
            if (holds.Count > 0)
                return new ErasureResult(false, [],
                    [.. holds.Select(h => new Withheld($"legal hold {h.HoldId}", $"The person is under a legal hold ({h.ScopeType}): {h.Reason}"))]);

            var counts = new List<TableCount>();
            var withheld = new List<Withheld>();
            var textColumns = await TextColumnsAsync(conn, ntx, ct);

            // Text quoting the person first: the rows that the person keys find may be gone afterwards, which is fine,
            // but scrubbing needs the names, which the users row loses last.
            if (person.Triggers.Count > 0)
                foreach (var entry in DataMap.Entries.Where(e => e.Table is not ("users" or "audit_events")))
                {
                    if (!textColumns.TryGetValue(entry.Table, out var text)) continue;
                    var rows = await ScrubAsync(conn, ntx, entry.Table, text, person, ct);
                    if (rows == 0) continue;
                    if (text.Updatable) counts.Add(new TableCount(entry.Table, "scrub", rows));
                    else withheld.Add(new Withheld(entry.Table, $"{rows} rows quote the person; the table is append-only, so they are kept as written."));
                }

            foreach (var entry in DataMap.Entries.OrderBy(e => Array.IndexOf(Last, e.Table)))
            {
                if (entry.Table == "audit_events")
                {
                    await RedactAuditAsync(conn, ntx, userId, person, counts, withheld, ct);
                    continue;
                }
                var where = entry.PersonRowsSql();
                switch (entry.Erasure.Method)
                {
                    case ErasureMethod.DeleteRows:
                        // Columns the rule replaces are the person as someone else's issuer (a reset token they created):
                        // those rows stay with the column replaced; rows found by the other keys go.
                        var replace = entry.Erasure.Replace ?? new Dictionary<string, string>();
                        var deleteWhere = (entry with { PersonKeys = [.. entry.PersonKeys.Where(k => !replace.ContainsKey(k.Column))] }).PersonRowsSql();
                        if (deleteWhere != null)
                            counts.Add(new TableCount(entry.Table, "delete", await ExecAsync(conn, ntx, $"delete from {entry.Table} where {deleteWhere}", userId, ct)));
                        if (replace.Count > 0)
                        {
                            var updateWhere = (entry with { PersonKeys = [.. entry.PersonKeys.Where(k => replace.ContainsKey(k.Column))] }).PersonRowsSql();
                            if (updateWhere != null)
                                counts.Add(new TableCount(entry.Table, "anonymise",
                                    await ExecAsync(conn, ntx, $"update {entry.Table} set {SetList(replace)} where {updateWhere}", userId, ct)));
                        }
                        break;
                    case ErasureMethod.Anonymise when where != null && entry.Erasure.Replace is { Count: > 0 } columns:
                        counts.Add(new TableCount(entry.Table, "anonymise", await ExecAsync(conn, ntx, $"update {entry.Table} set {SetList(columns)} where {where}", userId, ct)));
                        break;
                    case ErasureMethod.Keep when where != null:
                        var kept = await ScalarAsync(conn, ntx, $"select count(*) from {entry.Table} where {where}", userId, ct);
                        counts.Add(new TableCount(entry.Table, "keep", kept));
                        if (kept > 0) withheld.Add(new Withheld(entry.Table, entry.Erasure.How));
                        break;
                    default: // by retention only (import_row_errors): nothing names the person by a key; quoted text was scrubbed above
                        break;
                }
            }

            await audit.WriteAsync(new AuditEntry("person.erased", "user", userId.ToString(), userId,
                After: new
                {
                    context.RequestId, context.RetentionRunId,
                    counts = counts.Select(c => new { c.Table, c.Method, c.Rows }),
                    withheld = withheld.Select(w => w.What),
                },
                Reason: context.Reason, Actor: context.Actor), ct);
            await tx.CommitAsync(ct);
            return new ErasureResult(true, counts, withheld);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// The strings that identify the person in text. <see cref="Triggers"/> (email, user name, display name, full name,
    /// identifier) are specific enough to find a row by; <see cref="All"/> adds given, middle and family name and phone,
    /// replaced only inside rows found by a trigger or by the person's id (a sibling shares a family name).
    /// </summary>
    sealed record PersonStrings(IReadOnlyList<string> Triggers, IReadOnlyList<string> All)
    {
        public string TriggerPattern => Pattern(Triggers);
        public string AllPattern => Pattern(All);
    }

    static async Task<PersonStrings?> PersonStringsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            select user_name, email, display_name, given_name, middle_name, family_name, identifier, phone, sms
            from users where id = $1 for update
            """, conn, tx) { Parameters = { new() { Value = userId } } };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        string? At(int i) => reader.IsDBNull(i) ? null : reader.GetString(i).Trim();
        var (userName, email, display, given, middle, family, identifier, phone, sms) = (At(0), At(1), At(2), At(3), At(4), At(5), At(6), At(7), At(8));
        if (userName == $"erased-{userId}") return new PersonStrings([], []); // erased before: nothing personal left to look for
        var full = given != null && family != null ? $"{given} {family}" : null;
        var fullWithMiddle = given != null && middle != null && family != null ? $"{given} {middle} {family}" : null;
        static IReadOnlyList<string> Usable(IEnumerable<string?> values) =>
            [.. values.OfType<string>().Where(v => v.Length >= 3).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(v => v.Length)];
        var triggers = Usable([email, userName, display, full, fullWithMiddle, identifier]);
        return new PersonStrings(triggers, Usable([.. triggers, given, middle, family, phone, sms]));
    }

    /// <summary>A case-insensitive PostgreSQL regular expression for any of the strings, as whole words, also as JSON escapes them.</summary>
    static string Pattern(IReadOnlyList<string> values)
    {
        if (values.Count == 0) return "a^"; // matches nothing
        var forms = values.SelectMany(v => new[] { v, JsonSerializer.Serialize(v)[1..^1] }).Distinct();
        return string.Join("|", forms.Select(v =>
        {
            var escaped = new StringBuilder();
            foreach (var c in v) escaped.Append(char.IsAsciiLetterOrDigit(c) || c == ' ' ? c.ToString() : "\\" + c);
            // \y is a word boundary: 'Ann' is not scrubbed out of 'Annabel'.
            return (char.IsLetterOrDigit(v[0]) ? "\\y" : "") + escaped + (char.IsLetterOrDigit(v[^1]) ? "\\y" : "");
        }));
    }

    /// <summary>The text and JSON columns of each table, and whether the application may update the table.</summary>
    static async Task<Dictionary<string, (List<(string Column, string Type)> Columns, bool Updatable)>> TextColumnsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var result = new Dictionary<string, (List<(string, string)>, bool)>();
        await using var cmd = new NpgsqlCommand("""
            select table_name::text, column_name::text, data_type::text, has_table_privilege(format('%I', table_name), 'UPDATE')
            from information_schema.columns
            where table_schema = 'public' and data_type in ('text', 'character varying', 'json', 'jsonb')
            order by table_name, ordinal_position
            """, conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!result.TryGetValue(reader.GetString(0), out var table)) result[reader.GetString(0)] = table = ([], reader.GetBoolean(3));
            table.Item1.Add((reader.GetString(1), reader.GetString(2)));
        }
        return result;
    }

    /// <summary>Replaces the person's strings in every text column of the rows of <paramref name="table"/> that quote one of the triggers.</summary>
    /// <summary>
    /// Replaces the person's strings in every text column of the rows of <paramref name="table"/> that quote one of the
    /// triggers; for an append-only table (the application may not update it), only counts those rows.
    /// </summary>
    static async Task<long> ScrubAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string table,
        (List<(string Column, string Type)> Columns, bool Updatable) text, PersonStrings person, CancellationToken ct)
    {
        var columns = text.Columns;
        if (columns is null or { Count: 0 }) return 0;
        string Text(string column, string type) => type is "json" or "jsonb" ? $"{column}::text" : column;
        string Cast(string type) => type is "json" or "jsonb" ? $"::{type}" : "";
        var set = string.Join(", ", columns.Select(c => $"{c.Column} = regexp_replace({Text(c.Column, c.Type)}, $2, '{Placeholder}', 'gi'){Cast(c.Type)}"));
        var any = string.Join(" or ", columns.Select(c => $"{Text(c.Column, c.Type)} ~* $1"));
        await using var cmd = new NpgsqlCommand(text.Updatable ? $"update {table} set {set} where {any}" : $"select count(*) from {table} where {any}", conn, tx)
        {
            Parameters = { new() { Value = person.TriggerPattern }, new() { Value = person.AllPattern } },
        };
        return text.Updatable ? await cmd.ExecuteNonQueryAsync(ct) : (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Redacts the payload of every version-2 audit event about, by or quoting the person: the person's strings replaced,
    /// their client address dropped, the salt destroyed. The migration's trigger lets nothing else change, so the chain
    /// verifies as before. Version-1 events (before migration 0020) that quote the person cannot be redacted and are reported.
    /// </summary>
    async Task RedactAuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, PersonStrings person, List<TableCount> counts,
        List<Withheld> withheld, CancellationToken ct)
    {
        const string About = """
            (subject_user_id = $1 or actor_id = $1::text or real_actor_id = $1::text or entity_id = $1::text
             or concat_ws(' ', before_values::text, after_values::text, reason) ~* $2)
            """;
        await using var cmd = new NpgsqlCommand($"""
            update audit_events set
              before_values = regexp_replace(before_values::text, $3, '{Placeholder}', 'gi')::json,
              after_values = regexp_replace(after_values::text, $3, '{Placeholder}', 'gi')::json,
              reason = regexp_replace(reason, $3, '{Placeholder}', 'gi'),
              client_address = case when actor_id = $1::text or real_actor_id = $1::text then null else client_address end,
              payload_salt = null, redacted_at = $4
            where hash_version = 2 and redacted_at is null and {About}
            """, conn, tx)
        {
            Parameters =
            {
                new() { Value = userId }, new() { Value = person.TriggerPattern }, new() { Value = person.AllPattern },
                new() { Value = clock.GetUtcNow() },
            },
        };
        counts.Add(new TableCount("audit_events", "redact", await cmd.ExecuteNonQueryAsync(ct)));
        withheld.Add(new Withheld("audit_events",
            "The events stay in the district's hash chain (who did what, when, by id); their payloads about the person are redacted."));

        await using var old = new NpgsqlCommand($"select count(*) from audit_events where hash_version = 1 and {About}", conn, tx)
        {
            Parameters = { new() { Value = userId }, new() { Value = person.TriggerPattern } },
        };
        var v1 = (long)(await old.ExecuteScalarAsync(ct))!;
        if (v1 > 0)
            withheld.Add(new Withheld("audit_events (before migration 0020)",
                $"{v1} events written before payload commitments existed hash the person's data itself; redacting them would break the chain."));
    }

    static string SetList(IReadOnlyDictionary<string, string> replace) => string.Join(", ", replace.Select(r => $"{r.Key} = {r.Value}"));

    static async Task<long> ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Guid userId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { Parameters = { new() { Value = userId } } };
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    static async Task<long> ScalarAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Guid userId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { Parameters = { new() { Value = userId } } };
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
