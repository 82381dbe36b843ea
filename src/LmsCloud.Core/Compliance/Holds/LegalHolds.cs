using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Compliance.Holds;

/// <summary>An active hold that covers a person, and how (its scope).</summary>
public sealed record HoldOnPerson(Guid HoldId, string ScopeType, Guid? ScopeId, string Reason);

/// <summary>A hold as the API and the CLI show it; <see cref="Active"/> is computed now (not released, <c>until</c> not passed).</summary>
public sealed record LegalHoldView(Guid Id, string ScopeType, Guid? ScopeId, string Reason, Guid? CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? Until, DateTimeOffset? ReleasedAt, Guid? ReleasedBy, string? ReleaseReason, bool Active);

public sealed record NewLegalHold(string? ScopeType, Guid? ScopeId, string? Reason, DateTimeOffset? Until);

/// <summary>A school, class or person a hold can cover, as a picker lists it.</summary>
public sealed record HoldScopeCandidate(Guid Id, string Name, string? Detail);

public enum HoldErrorKind { Validation, NotFound, AlreadyReleased }

public sealed record HoldError(HoldErrorKind Kind, string Message, string? Field = null);

public sealed record HoldOutcome(LegalHoldView? Hold, HoldError? Error)
{
    public static HoldOutcome Fail(HoldErrorKind kind, string message, string? field = null) => new(null, new HoldError(kind, message, field));
}

/// <summary>Thrown by <see cref="LegalHolds.PlaceAsync"/> and <see cref="LegalHolds.ReleaseAsync"/> for what the Try methods return.</summary>
public sealed class LegalHoldException(HoldError error) : Exception(error.Message)
{
    public HoldError Error { get; } = error;
}

/// <summary>
/// Legal holds on the district, a school, a class or a person (table <c>legal_holds</c>, migration 0019): while a hold is
/// active nothing it covers is erased or purged. Placing and releasing write <c>legal_hold.placed</c> and
/// <c>legal_hold.released</c> to the audit log in the same transaction. Set-based checks use the SQL functions
/// <c>person_is_held(uuid)</c>, <c>legal_holds_on_person(uuid)</c> and <c>legal_holds_on_class(uuid)</c> (<see cref="PersonIsHeldSql"/>).
/// </summary>
public sealed class LegalHolds(LmsDbContext db, AuditLog audit, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> ScopeTypes = ["district", "school", "class", "person"];

    public const int MaxReasonLength = 2000;

    /// <summary>A SQL condition true when the person whose uuid is <paramref name="userIdSql"/> is under an active hold.</summary>
    public static string PersonIsHeldSql(string userIdSql) => $"person_is_held({userIdSql})";

    /// <summary>
    /// The active holds covering this person: a district hold, a hold on a school they belong to (user_orgs) or are
    /// enrolled at, on a class they are or were enrolled in (enrollments), or on them.
    /// </summary>
    public async Task<IReadOnlyList<HoldOnPerson>> HoldsOnPersonAsync(Guid userId, CancellationToken ct = default) =>
        await db.Database.SqlQuery<HoldOnPerson>($"""
            select id as "HoldId", scope_type as "ScopeType", scope_id as "ScopeId", reason as "Reason"
            from legal_holds_on_person({userId}) order by created_at, id
            """).ToListAsync(ct);

    /// <summary>The active holds covering a class: the district, its school, or the class itself.</summary>
    public async Task<IReadOnlyList<HoldOnPerson>> HoldsOnClassAsync(Guid classId, CancellationToken ct = default) =>
        await db.Database.SqlQuery<HoldOnPerson>($"""
            select id as "HoldId", scope_type as "ScopeType", scope_id as "ScopeId", reason as "Reason"
            from legal_holds_on_class({classId}) order by created_at, id
            """).ToListAsync(ct);

    /// <summary>Places a hold and returns its id; throws <see cref="LegalHoldException"/> for bad input (see <see cref="TryPlaceAsync"/>).</summary>
    public async Task<Guid> PlaceAsync(string scopeType, Guid? scopeId, string reason, AuditActor actor, DateTimeOffset? until = null,
        CancellationToken ct = default)
    {
        var outcome = await TryPlaceAsync(new NewLegalHold(scopeType, scopeId, reason, until), actor, ct);
        return outcome.Hold?.Id ?? throw new LegalHoldException(outcome.Error!);
    }

    /// <summary>Releases a hold; throws <see cref="LegalHoldException"/> when it does not exist or was released already.</summary>
    public async Task ReleaseAsync(Guid holdId, string reason, AuditActor actor, CancellationToken ct = default)
    {
        var outcome = await TryReleaseAsync(holdId, reason, actor, ct);
        if (outcome.Error != null) throw new LegalHoldException(outcome.Error);
    }

    public async Task<HoldOutcome> TryPlaceAsync(NewLegalHold input, AuditActor actor, CancellationToken ct = default)
    {
        var scopeType = input.ScopeType?.Trim().ToLowerInvariant();
        if (scopeType == null || !ScopeTypes.Contains(scopeType))
            return HoldOutcome.Fail(HoldErrorKind.Validation, $"scopeType must be one of {string.Join(", ", ScopeTypes)}.", "scopeType");
        if (scopeType == "district" && input.ScopeId != null)
            return HoldOutcome.Fail(HoldErrorKind.Validation, "A district hold covers the whole district: leave scopeId out.", "scopeId");
        if (scopeType != "district" && input.ScopeId == null)
            return HoldOutcome.Fail(HoldErrorKind.Validation, $"A {scopeType} hold needs scopeId: the {scopeType} it covers.", "scopeId");
        if (CheckText(input.Reason, "reason", required: true) is { } reasonError) return new(null, reasonError);
        var now = clock.GetUtcNow();
        if (input.Until is { } until && until <= now)
            return HoldOutcome.Fail(HoldErrorKind.Validation, "until must be in the future (leave it out for a hold until released).", "until");
        if (input.ScopeId is { } scopeId && !await ScopeExistsAsync(scopeType, scopeId, ct))
            return HoldOutcome.Fail(HoldErrorKind.Validation, $"No {scopeType} with this id in the district.", "scopeId");

        var tenantId = db.TenantId ?? throw new InvalidOperationException("Holds belong to a district.");
        var id = Guid.CreateVersion7();
        var reason = input.Reason!.Trim();
        var createdBy = UserIdOf(actor);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into legal_holds (tenant_id, id, scope_type, scope_id, reason, created_by, created_at, until)
            values ({tenantId}, {id}, {scopeType}, {input.ScopeId}, {reason}, {createdBy}, {now}, {input.Until})
            """, ct);
        await audit.WriteAsync(new AuditEntry("legal_hold.placed", "legal_hold", id.ToString(), scopeType == "person" ? input.ScopeId : null,
            After: new { scopeType, scopeId = input.ScopeId, until = input.Until }, Reason: reason, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(await GetAsync(id, ct), null);
    }

    public async Task<HoldOutcome> TryReleaseAsync(Guid holdId, string? reason, AuditActor actor, CancellationToken ct = default)
    {
        if (CheckText(reason, "reason", required: true) is { } reasonError) return new(null, reasonError);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Locked, so of two officers releasing at once one releases and the other is told it was released already.
        var hold = await db.Database.SqlQueryRaw<HoldRow>($"select {Columns} from legal_holds where id = {{0}} for update", holdId).SingleOrDefaultAsync(ct);
        if (hold == null) return HoldOutcome.Fail(HoldErrorKind.NotFound, "No such legal hold in this district.");
        if (hold.ReleasedAt != null)
            return HoldOutcome.Fail(HoldErrorKind.AlreadyReleased, $"This hold was released already, at {hold.ReleasedAt:u}.");
        var now = clock.GetUtcNow();
        var text = reason!.Trim();
        await db.Database.ExecuteSqlAsync($"""
            update legal_holds set released_at = {now}, released_by = {UserIdOf(actor)}, release_reason = {text} where id = {holdId}
            """, ct);
        await audit.WriteAsync(new AuditEntry("legal_hold.released", "legal_hold", holdId.ToString(), hold.ScopeType == "person" ? hold.ScopeId : null,
            Before: new { hold.ScopeType, hold.ScopeId, hold.Reason, hold.Until }, Reason: text, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(await GetAsync(holdId, ct), null);
    }

    public async Task<LegalHoldView?> GetAsync(Guid id, CancellationToken ct = default)
    {
        var row = await db.Database.SqlQueryRaw<HoldRow>($"select {Columns} from legal_holds where id = {{0}}", id).SingleOrDefaultAsync(ct);
        return row?.View(clock.GetUtcNow());
    }

    /// <summary>The district's holds, newest first; <paramref name="active"/> narrows to active (true) or inactive (false) ones.</summary>
    public async Task<IReadOnlyList<LegalHoldView>> ListAsync(bool? active = null, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Database.SqlQueryRaw<HoldRow>($"select {Columns} from legal_holds order by created_at desc, id desc").ToListAsync(ct);
        return rows.Select(r => r.View(now)).Where(h => active == null || h.Active == active).ToList();
    }

    /// <summary>At most <paramref name="limit"/> schools, classes or people whose name (or email, class code) contains <paramref name="text"/>.</summary>
    public async Task<IReadOnlyList<HoldScopeCandidate>> FindScopesAsync(string scopeType, string text, int limit = 20, CancellationToken ct = default)
    {
        var pattern = "%" + text.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        return scopeType switch
        {
            "school" => await db.Orgs.AsNoTracking().Where(o => EF.Functions.ILike(o.Name, pattern)).OrderBy(o => o.Name).Take(limit)
                .Select(o => new HoldScopeCandidate(o.Id, o.Name, o.Type)).ToListAsync(ct),
            "class" => await db.RosterClasses.AsNoTracking()
                .Where(c => EF.Functions.ILike(c.Title, pattern) || (c.ClassCode != null && EF.Functions.ILike(c.ClassCode, pattern)))
                .OrderBy(c => c.Title).Take(limit).Select(c => new HoldScopeCandidate(c.Id, c.Title, c.ClassCode)).ToListAsync(ct),
            "person" => await db.Users.AsNoTracking()
                .Where(u => EF.Functions.ILike(u.DisplayName, pattern) || (u.Email != null && EF.Functions.ILike(u.Email, pattern)))
                .OrderBy(u => u.DisplayName).Take(limit).Select(u => new HoldScopeCandidate(u.Id, u.DisplayName, u.Email)).ToListAsync(ct),
            _ => [],
        };
    }

    /// <summary>What each hold covers, in words: "The whole district", the school's name, the class's title, the person's name.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> ScopeNamesAsync(IEnumerable<LegalHoldView> list, CancellationToken ct = default)
    {
        var ids = list.Where(h => h.ScopeId != null).Select(h => h.ScopeId!.Value).Distinct().ToList();
        var names = new Dictionary<Guid, string>();
        foreach (var o in await db.Orgs.AsNoTracking().Where(o => ids.Contains(o.Id)).Select(o => new { o.Id, o.Name }).ToListAsync(ct)) names[o.Id] = o.Name;
        foreach (var c in await db.RosterClasses.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.Title }).ToListAsync(ct)) names[c.Id] = c.Title;
        foreach (var u in await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.DisplayName }).ToListAsync(ct)) names[u.Id] = u.DisplayName;
        return names;
    }

    // A constant spliced into the raw queries above; values are always parameters.
    const string Columns = """
        id as "Id", scope_type as "ScopeType", scope_id as "ScopeId", reason as "Reason", created_by as "CreatedBy", created_at as "CreatedAt",
        until as "Until", released_at as "ReleasedAt", released_by as "ReleasedBy", release_reason as "ReleaseReason"
        """;

    async Task<bool> ScopeExistsAsync(string scopeType, Guid id, CancellationToken ct) => scopeType switch
    {
        "school" => await db.Orgs.AnyAsync(o => o.Id == id, ct),
        "class" => await db.RosterClasses.AnyAsync(c => c.Id == id, ct),
        "person" => await db.Users.AnyAsync(u => u.Id == id, ct),
        _ => false,
    };

    static Guid? UserIdOf(AuditActor actor) => actor.Type == "user" && Guid.TryParse(actor.Id, out var id) ? id : null;

    static HoldError? CheckText(string? text, string field, bool required) =>
        required && string.IsNullOrWhiteSpace(text) ? new(HoldErrorKind.Validation, $"{field} is required: say why.", field)
        : text is { Length: > MaxReasonLength } ? new(HoldErrorKind.Validation, $"{field} may be at most {MaxReasonLength} characters.", field)
        : text != null && text.Contains('\0') ? new(HoldErrorKind.Validation, $"{field} may not contain NUL (U+0000).", field)
        : null;

    sealed record HoldRow(Guid Id, string ScopeType, Guid? ScopeId, string Reason, Guid? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? Until,
        DateTimeOffset? ReleasedAt, Guid? ReleasedBy, string? ReleaseReason)
    {
        public LegalHoldView View(DateTimeOffset now) => new(Id, ScopeType, ScopeId, Reason, CreatedBy, CreatedAt, Until, ReleasedAt, ReleasedBy,
            ReleaseReason, ReleasedAt == null && (Until == null || Until > now));
    }
}
