using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

public sealed record GradingSchemeInput(string? Name, IReadOnlyList<SchemeEntry>? Entries, bool? IsDefault);
public sealed record GradingSchemeView(Guid Id, string Name, IReadOnlyList<SchemeEntry> Entries, bool IsDefault, DateTimeOffset UpdatedAt);

/// <summary>
/// The district's schemes: <c>Schemes</c>, which one is the default (null: the built-in ladder, also listed).
/// </summary>
public sealed record GradingSchemeList(Guid? DefaultSchemeId, IReadOnlyList<SchemeEntry> BuiltIn, IReadOnlyList<GradingSchemeView> Schemes);

public sealed record DefaultSchemeInput(Guid? SchemeId);

/// <summary>
/// The district's letter ladders (district admins write; staff read, so a teacher can pick one for a course). A ladder
/// is valid when its letters are unique, its minimums strictly descending and its lowest minimum 0. Changing a ladder
/// or the default recomputes, in the same transaction, every shell whose stored scores use it (marked stale first).
/// </summary>
public sealed class GradingSchemes(LmsDbContext db, ScoreKeeper scores, AuditLog audit)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public async Task<GradingSchemeList> ListAsync(ShellViewer viewer, CancellationToken ct)
    {
        if (!viewer.Is(Roles.DistrictAdmin) && !viewer.Is(Roles.SchoolAdmin) && !viewer.Is(Roles.Teacher))
            throw ShellRefusal.Forbidden("Only staff may read the district's grading schemes.");
        var list = await ReadAsync(null, ct);
        return new GradingSchemeList(list.FirstOrDefault(s => s.IsDefault)?.Id, GradeDescription.DefaultScheme, list);
    }

    public async Task<GradingSchemeView> CreateAsync(ShellViewer viewer, GradingSchemeInput input, CancellationToken ct)
    {
        Admin(viewer);
        var (name, entries) = (Name(input.Name), Entries(input.Entries));
        await using var tx = await BeginAsync(ct);
        await CheckNameAsync(name, null, ct);
        var id = Guid.NewGuid();
        await db.Database.ExecuteSqlAsync($"""
            insert into grading_schemes (tenant_id, id, name, entries, updated_by) values ({Tenant}, {id}, {name}, {Json(entries)}::jsonb, {viewer.PersonId})
            """, ct);
        if (input.IsDefault == true) await MakeDefaultAsync(id, ct);
        var view = (await ReadAsync(id, ct)).Single();
        await AuditAsync(viewer, "grading_scheme.created", id, null, view, ct);
        var stale = input.IsDefault == true ? await MarkStaleAsync(null, defaultUsers: true, ct) : [];
        await tx.CommitAsync(ct);
        await scores.RecomputeShellsAsync(stale, ct);
        return view;
    }

    public async Task<GradingSchemeView> UpdateAsync(ShellViewer viewer, Guid id, GradingSchemeInput input, CancellationToken ct)
    {
        Admin(viewer);
        await using var tx = await BeginAsync(ct);
        var before = (await ReadAsync(id, ct)).SingleOrDefault() ?? throw ShellRefusal.NotFound("Grading scheme");
        var name = input.Name != null ? Name(input.Name) : before.Name;
        var entries = input.Entries != null ? Entries(input.Entries) : before.Entries;
        await CheckNameAsync(name, id, ct);
        await db.Database.ExecuteSqlAsync($"""
            update grading_schemes set name = {name}, entries = {Json(entries)}::jsonb, updated_by = {viewer.PersonId}, updated_at = now() where id = {id}
            """, ct);
        if (input.IsDefault == true && !before.IsDefault) await MakeDefaultAsync(id, ct);
        var after = (await ReadAsync(id, ct)).Single();
        await AuditAsync(viewer, "grading_scheme.updated", id, before, after, ct);
        var stale = await MarkStaleAsync(id, defaultUsers: before.IsDefault || after.IsDefault, ct);
        await tx.CommitAsync(ct);
        await scores.RecomputeShellsAsync(stale, ct);
        return after;
    }

    /// <summary>Makes a scheme the district default, or with null returns to the built-in ladder.</summary>
    public async Task<GradingSchemeList> SetDefaultAsync(ShellViewer viewer, Guid? schemeId, CancellationToken ct)
    {
        Admin(viewer);
        await using var tx = await BeginAsync(ct);
        var before = (await ReadAsync(null, ct)).FirstOrDefault(s => s.IsDefault)?.Id;
        if (schemeId is { } id)
        {
            if ((await ReadAsync(id, ct)).Count == 0) throw ShellRefusal.NotFound("Grading scheme");
            await MakeDefaultAsync(id, ct);
        }
        else await db.Database.ExecuteSqlAsync($"update grading_schemes set is_default = false where is_default", ct);
        await audit.WriteAsync(new AuditEntry("grading_scheme.default_changed", "district", Tenant.ToString(),
            Before: new { defaultSchemeId = before }, After: new { defaultSchemeId = schemeId }, Actor: Actor(viewer)), ct);
        var stale = before != schemeId ? await MarkStaleAsync(null, defaultUsers: true, ct) : [];
        await tx.CommitAsync(ct);
        await scores.RecomputeShellsAsync(stale, ct);
        return await ListAsync(viewer, ct);
    }

    /// <summary>
    /// Marks stale the stored scores of the shells that use scheme <paramref name="id"/> or (when asked) the district
    /// default, and returns those shells. The caller commits the change with the marks, then recomputes: a district's
    /// worth of shells is minutes of work that must not hold the change's transaction, and readers meanwhile get the
    /// previous scores with <c>stale: true</c>. Should the recompute not finish, the score refresh job completes it.
    /// </summary>
    async Task<List<Guid>> MarkStaleAsync(Guid? id, bool defaultUsers, CancellationToken ct)
    {
        var shells = await db.Database.SqlQuery<Guid>($"""
            select s.id as "Value" from course_shells s
            left join shell_grading_policies p on p.tenant_id = s.tenant_id and p.shell_id = s.id
            where (p.scheme_id = {id} or ({defaultUsers} and p.scheme_id is null))
              and exists (select 1 from student_scores ss where ss.tenant_id = s.tenant_id and ss.shell_id = s.id)
            """).ToListAsync(ct);
        await scores.MarkStaleAsync(shells, ct);
        return shells;
    }

    /// <summary>Scheme writes of one district queue up (unique names, one default), so a race is a wait, not a 500.</summary>
    async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginAsync(CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"select pg_advisory_xact_lock(hashtext('grading_schemes:' || {Tenant.ToString()}))", ct);
        return tx;
    }

    async Task MakeDefaultAsync(Guid id, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"update grading_schemes set is_default = false where is_default and id <> {id}", ct);
        await db.Database.ExecuteSqlAsync($"update grading_schemes set is_default = true, updated_at = now() where id = {id}", ct);
    }

    async Task<List<GradingSchemeView>> ReadAsync(Guid? id, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<SchemeRow>($"""
            select id as "Id", name as "Name", entries::text as "Entries", is_default as "IsDefault", updated_at as "UpdatedAt"
            from grading_schemes where {id}::uuid is null or id = {id} order by name, id
            """).ToListAsync(ct);
        return rows.Select(r => new GradingSchemeView(r.Id, r.Name,
            JsonSerializer.Deserialize<List<SchemeEntry>>(r.Entries, GradeDescriptionJson.WriteOptions)!, r.IsDefault, r.UpdatedAt)).ToList();
    }

    async Task CheckNameAsync(string name, Guid? except, CancellationToken ct)
    {
        if (await db.Database.SqlQuery<bool>($"""
                select exists (select 1 from grading_schemes where name = {name} and ({except}::uuid is null or id <> {except})) as "Value"
                """).SingleAsync(ct))
            throw ShellRefusal.Invalid("name", "The district already has a grading scheme of that name.");
    }

    Task AuditAsync(ShellViewer viewer, string action, Guid id, object? before, object? after, CancellationToken ct) =>
        audit.WriteAsync(new AuditEntry(action, "grading_scheme", id.ToString(), Before: before, After: after, Actor: Actor(viewer)), ct);

    static AuditActor? Actor(ShellViewer viewer) => viewer.PersonId is { } person ? AuditActor.User(person) : null;

    static void Admin(ShellViewer viewer)
    {
        if (!viewer.Is(Roles.DistrictAdmin)) throw ShellRefusal.Forbidden("Only district administrators may change grading schemes.");
    }

    static string Json(IReadOnlyList<SchemeEntry> entries) => JsonSerializer.Serialize(entries, GradeDescriptionJson.WriteOptions);

    static string Name(string? name) => name?.Trim() is { Length: >= 1 and <= 100 } n ? n
        : throw ShellRefusal.Invalid("name", "A name is 1 to 100 characters.");

    /// <summary>Letters unique (ignoring case) and 1–10 characters, minimums strictly descending as given, the lowest 0.</summary>
    public static IReadOnlyList<SchemeEntry> Entries(IReadOnlyList<SchemeEntry>? entries)
    {
        if (entries is not { Count: >= 1 and <= 30 } || entries.Any(e => e == null)) throw ShellRefusal.Invalid("entries", "A scheme has 1 to 30 letters.");
        var trimmed = entries.Select(e => new SchemeEntry(e.Letter?.Trim() ?? "", e.MinPercent)).ToList();
        if (trimmed.Any(e => e.Letter.Length is < 1 or > 10)) throw ShellRefusal.Invalid("entries", "A letter is 1 to 10 characters.");
        if (trimmed.Select(e => e.Letter.ToUpperInvariant()).Distinct().Count() != trimmed.Count)
            throw ShellRefusal.Invalid("entries", "Each letter appears once.");
        if (trimmed.Any(e => e.MinPercent is < 0 or > 100 || decimal.Round(e.MinPercent, 2) != e.MinPercent))
            throw ShellRefusal.Invalid("entries", "A minimum is a percentage from 0 to 100 (at most 2 decimals).");
        for (var i = 1; i < trimmed.Count; i++)
            if (trimmed[i].MinPercent >= trimmed[i - 1].MinPercent)
                throw ShellRefusal.Invalid("entries", "Minimums must be strictly descending, highest letter first.");
        if (trimmed[^1].MinPercent != 0) throw ShellRefusal.Invalid("entries", "The lowest letter's minimum is 0, so every grade has a letter.");
        return trimmed;
    }

    sealed record SchemeRow(Guid Id, string Name, string Entries, bool IsDefault, DateTimeOffset UpdatedAt);
}
