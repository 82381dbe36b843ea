using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LmsCloud.Core.Learning.Certificates;

public sealed record CertificateSettingsRequest(bool Issues, string? Title, string? Wording, decimal? MinScore);

public sealed record CertificateSettingsResponse(Guid ShellId, bool Issues, int? TemplateVersion, string? Title, string? Wording, decimal? MinScore,
    int IssuedNow);

public sealed record CourseCertificate(Guid Id, Guid ShellId, Guid StudentId, string StudentName, string CourseTitle, DateOnly IssuedOn,
    int TemplateVersion, string VerificationCode, DateTimeOffset? RevokedAt, string? RevokedReason)
{
    /// <summary>The code as printed: groups of four.</summary>
    public string GroupedCode => CourseCertificates.Group(VerificationCode);
}

/// <summary>What the public verification page may show: name, course, date, and whether (and when) it was revoked.</summary>
public sealed record CertificateVerification(string StudentName, string CourseTitle, DateOnly IssuedOn, DateTimeOffset? RevokedAt);

/// <summary>
/// Course completion certificates: a shell's setting (issues yes/no, immutable template versions), issuing when a
/// student completes the shell (set-based, once per student and shell by the primary key), revocation with a reason
/// (district admins and the shell's editors; audited), and the public verification look-up by code.
/// The minimum score column is stored but not applied yet: grades arrive with issue 13.
/// </summary>
public sealed class CourseCertificates(LmsDbContext db, ShellAccess access, AuditLog audit)
{
    // Issues to every student of the shell (or the one given) whose stored numerator reached a non-zero denominator,
    // when the shell issues certificates; the unique key makes parallel completions issue exactly once.
    const string IssueSql = """
        insert into course_certificates (tenant_id, shell_id, student_id, template_version, student_name, course_title, issued_on)
        select $1, s.id, sp.student_id, cs.template_version, u.display_name, s.title,
               (now() at time zone coalesce((select time_zone from district_profiles where tenant_id = $1), 'UTC'))::date
        from course_shells s
        join course_certificate_settings cs on cs.tenant_id = s.tenant_id and cs.shell_id = s.id and cs.issues
        join shell_progress sp on sp.tenant_id = s.tenant_id and sp.shell_id = s.id
        join users u on u.tenant_id = sp.tenant_id and u.id = sp.student_id
        where s.tenant_id = $1 and s.id = $2 and s.required_item_count > 0 and sp.completed_required_count >= s.required_item_count
          and ($3::uuid is null or sp.student_id = $3)
        on conflict do nothing
        returning id, student_id, template_version
        """;

    /// <summary>
    /// The hook <see cref="Progress.ProgressRecorder"/> calls after a completion: issues the student's certificate if now
    /// due, with its audit event in the same transaction (the caller's, or one of its own), so a certificate exists
    /// exactly when its issuing is recorded.
    /// </summary>
    public async Task<int> IssueIfCompletedAsync(Guid shellId, Guid student, CancellationToken ct)
    {
        var own = db.Database.CurrentTransaction == null ? await db.Database.BeginTransactionAsync(ct) : null;
        await using (own)
        {
            var issued = await IssueAsync(shellId, student, ct);
            foreach (var (id, studentId, version) in issued)
                await audit.WriteAsync(new AuditEntry("course_certificate.issued", "course_certificate", id.ToString(), studentId,
                    After: new { ShellId = shellId, TemplateVersion = version }), ct);
            if (own != null) await own.CommitAsync(ct);
            return issued.Count;
        }
    }

    /// <summary>Runs <see cref="IssueSql"/> for the shell (one student, or all with DBNull): the certificates it issued.</summary>
    async Task<List<(Guid Id, Guid StudentId, int TemplateVersion)>> IssueAsync(Guid shellId, object student, CancellationToken ct)
    {
        await using var cmd = await CommandAsync(IssueSql, ct, shellId, student);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var issued = new List<(Guid, Guid, int)>();
        while (await r.ReadAsync(ct)) issued.Add((r.GetGuid(0), r.GetGuid(1), r.GetInt32(2)));
        return issued;
    }

    public async Task<CertificateSettingsResponse> SettingsAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        await EditableAsync(viewer, shellId, ct);
        return await ReadSettingsAsync(shellId, 0, ct);
    }

    /// <summary>PUT settings: a changed title or wording adds template version n+1; turning issuing on catches up on past completions.</summary>
    public async Task<CertificateSettingsResponse> SaveSettingsAsync(ShellViewer viewer, Guid shellId, CertificateSettingsRequest request, CancellationToken ct)
    {
        var shell = await EditableAsync(viewer, shellId, ct);
        var title = request.Title?.Trim();
        var wording = request.Wording?.Trim() ?? "";
        if (request.Issues && string.IsNullOrEmpty(title)) title = shell.Title;
        if (title is { Length: > 200 }) throw ShellRefusal.Invalid("title", "The certificate's title is at most 200 characters.");
        if (wording.Length > 2000) throw ShellRefusal.Invalid("wording", "The wording is at most 2000 characters.");
        if (request.MinScore is < 0 or > 100) throw ShellRefusal.Invalid("minScore", "The minimum score is from 0 to 100.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var current = await ReadSettingsAsync(shellId, 0, ct);
        var version = current.TemplateVersion;
        if (title != null && (version == null || title != current.Title || wording != current.Wording))
        {
            version = (version ?? 0) + 1;
            await ExecAsync("""
                insert into course_certificate_templates (tenant_id, shell_id, version_no, title, wording, created_by)
                values ($1, $2, (select coalesce(max(version_no), 0) + 1 from course_certificate_templates where tenant_id = $1 and shell_id = $2), $3, $4, $5)
                """, ct, shellId, title, wording, (object?)viewer.PersonId ?? DBNull.Value);
        }
        if (version == null) throw ShellRefusal.Invalid("title", "A certificate needs a title.");
        await ExecAsync("""
            insert into course_certificate_settings (tenant_id, shell_id, issues, min_score, template_version)
            values ($1, $2, $3, $4, (select max(version_no) from course_certificate_templates where tenant_id = $1 and shell_id = $2))
            on conflict (tenant_id, shell_id) do update set issues = excluded.issues, min_score = excluded.min_score,
              template_version = excluded.template_version, updated_at = now()
            """, ct, shellId, request.Issues, (object?)request.MinScore ?? DBNull.Value);
        var caughtUp = request.Issues ? await IssueAsync(shellId, DBNull.Value, ct) : [];
        var issued = caughtUp.Count;
        await audit.WriteAsync(new AuditEntry("course_certificates.settings_changed", "course_shell", shellId.ToString(),
            Before: new { current.Issues, current.TemplateVersion }, After: new { request.Issues, TemplateVersion = version, IssuedNow = issued }), ct);
        // The catch-up is one set-based insert, so it is one event listing the certificates (as an import run is one event).
        if (issued > 0)
            await audit.WriteAsync(new AuditEntry("course_certificates.issued", "course_shell", shellId.ToString(),
                After: new { TemplateVersion = version, Certificates = caughtUp.Select(c => c.Id) }), ct);
        await tx.CommitAsync(ct);
        return await ReadSettingsAsync(shellId, issued, ct);
    }

    /// <summary>The shell's certificates, for its editors and district admins.</summary>
    public async Task<IReadOnlyList<CourseCertificate>> ForShellAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        await EditableAsync(viewer, shellId, ct);
        return await QueryAsync("shell_id = $2 order by student_name, id", ct, shellId);
    }

    /// <summary>The signed-in student's own certificates.</summary>
    public async Task<IReadOnlyList<CourseCertificate>> MineAsync(ShellViewer viewer, CancellationToken ct) =>
        viewer.PersonId is { } me ? await QueryAsync("student_id = $2 order by issued_at desc, id", ct, me) : [];

    /// <summary>One certificate: its student, or its shell's editors and district admins; 404 for anyone else.</summary>
    public async Task<CourseCertificate> OneAsync(ShellViewer viewer, Guid certificateId, CancellationToken ct)
    {
        var found = (await QueryAsync("id = $2", ct, certificateId)).SingleOrDefault() ?? throw ShellRefusal.NotFound("Certificate");
        if (found.StudentId == viewer.PersonId || await access.Editable(viewer).AnyAsync(s => s.Id == found.ShellId, ct)) return found;
        throw ShellRefusal.NotFound("Certificate");
    }

    /// <summary>One certificate (as <see cref="OneAsync"/> allows) with the title and wording of the template version it was issued under, for printing.</summary>
    public async Task<(CourseCertificate Certificate, string Title, string Wording)> PrintableAsync(ShellViewer viewer, Guid certificateId, CancellationToken ct)
    {
        var found = await OneAsync(viewer, certificateId, ct);
        await using var cmd = await CommandAsync("""
            select title, wording from course_certificate_templates where tenant_id = $1 and shell_id = $2 and version_no = $3
            """, ct, found.ShellId, found.TemplateVersion);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (found, r.GetString(0), r.GetString(1)) : (found, found.CourseTitle, "");
    }

    /// <summary>Revokes with a required reason (district admins and the shell's editors); audited; the row stays as a record.</summary>
    public async Task<CourseCertificate> RevokeAsync(ShellViewer viewer, Guid certificateId, string? reason, CancellationToken ct)
    {
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason)) throw ShellRefusal.Invalid("reason", "Say why the certificate is revoked.");
        if (reason.Length > 500) throw ShellRefusal.Invalid("reason", "The reason is at most 500 characters.");
        var found = (await QueryAsync("id = $2", ct, certificateId)).SingleOrDefault() ?? throw ShellRefusal.NotFound("Certificate");
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == found.ShellId, ct))
        {
            if (found.StudentId == viewer.PersonId) throw ShellRefusal.Forbidden("Only the course's teachers and admins revoke certificates.");
            throw ShellRefusal.NotFound("Certificate");
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var changed = await ExecAsync("""
            update course_certificates set revoked_at = now(), revoked_by = $3, revoked_reason = $4
            where tenant_id = $1 and id = $2 and revoked_at is null
            """, ct, certificateId, (object?)viewer.PersonId ?? DBNull.Value, reason);
        if (changed == 0) throw ShellRefusal.Conflict("This certificate is already revoked.");
        await audit.WriteAsync(new AuditEntry("course_certificate.revoked", "course_certificate", certificateId.ToString(), found.StudentId,
            After: new { found.ShellId }, Reason: reason), ct);
        await tx.CommitAsync(ct);
        return (await QueryAsync("id = $2", ct, certificateId)).Single();
    }

    /// <summary>The public look-up on the district's host: null for an unknown code (RLS keeps other districts' codes out).</summary>
    public async Task<CertificateVerification?> VerifyAsync(string code, CancellationToken ct)
    {
        var normalized = Normalize(code);
        if (normalized == null) return null;
        var found = (await QueryAsync("verification_code = $2", ct, normalized)).SingleOrDefault();
        return found == null ? null : new CertificateVerification(found.StudentName, found.CourseTitle, found.IssuedOn, found.RevokedAt);
    }

    /// <summary>Accepts the code as printed (groups, dashes, spaces, any case); null if it cannot be one.</summary>
    public static string? Normalize(string? code)
    {
        var text = new string((code ?? "").Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
        return text.Length == 32 && text.All(Uri.IsHexDigit) ? text : null;
    }

    public static string Group(string code) => string.Join('-', Enumerable.Range(0, code.Length / 4).Select(i => code.Substring(i * 4, 4)));

    async Task<CourseShell> EditableAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var shell = await access.Editable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct);
        if (shell != null) return shell;
        if (await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw ShellRefusal.Forbidden("Only the course's teachers and admins manage its certificates.");
        throw ShellRefusal.NotFound("Course");
    }

    async Task<CertificateSettingsResponse> ReadSettingsAsync(Guid shellId, int issued, CancellationToken ct)
    {
        await using var cmd = await CommandAsync("""
            select cs.issues, cs.template_version, t.title, t.wording, cs.min_score
            from course_certificate_settings cs
            join course_certificate_templates t on t.tenant_id = cs.tenant_id and t.shell_id = cs.shell_id and t.version_no = cs.template_version
            where cs.tenant_id = $1 and cs.shell_id = $2
            """, ct, shellId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return new CertificateSettingsResponse(shellId, false, null, null, null, null, issued);
        return new CertificateSettingsResponse(shellId, r.GetBoolean(0), r.GetInt32(1), r.GetString(2), r.GetString(3),
            r.IsDBNull(4) ? null : r.GetDecimal(4), issued);
    }

    async Task<IReadOnlyList<CourseCertificate>> QueryAsync(string where, CancellationToken ct, params object[] parameters)
    {
        await using var cmd = await CommandAsync($"""
            select id, shell_id, student_id, student_name, course_title, issued_on, template_version, verification_code, revoked_at, revoked_reason
            from course_certificates where tenant_id = $1 and {where}
            """, ct, parameters);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<CourseCertificate>();
        while (await r.ReadAsync(ct))
            list.Add(new CourseCertificate(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4),
                DateOnly.FromDateTime(r.GetDateTime(5)), r.GetInt32(6), r.GetString(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetString(9)));
        return list;
    }

    async Task<int> ExecAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var cmd = await CommandAsync(sql, ct, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One statement with $1 = the district, then the given parameters as $2, $3, ...; in the context's transaction if any.</summary>
    async Task<NpgsqlCommand> CommandAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await db.Database.OpenConnectionAsync(ct);
        var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        cmd.Parameters.AddWithValue(db.TenantId ?? throw new InvalidOperationException("No district."));
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return cmd;
    }
}
