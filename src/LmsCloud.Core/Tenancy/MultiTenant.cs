namespace LmsCloud.Core.Tenancy;

// Our stand-in for Finbuckle.MultiTenant (not obtainable here): the same names and shapes, so a later swap is a
// change of registrations (docs/decisions/0001-tenancy-kit-instead-of-finbuckle.md). Async members take a
// CancellationToken, which Finbuckle's do not.

public interface ITenantInfo
{
    string Id { get; }
    string Identifier { get; }
    string? Name { get; }
}

public interface IMultiTenantContext<out T> where T : class, ITenantInfo
{
    T? TenantInfo { get; }
    bool IsResolved { get; }
}

public sealed record MultiTenantContext<T>(T? TenantInfo) : IMultiTenantContext<T> where T : class, ITenantInfo
{
    public static readonly MultiTenantContext<T> Empty = new((T?)null);
    public bool IsResolved => TenantInfo != null;
}

public interface IMultiTenantContextAccessor<T> where T : class, ITenantInfo
{
    IMultiTenantContext<T> MultiTenantContext { get; set; }
}

/// <summary>Flows the current tenant with the async call chain (a request, or one tenant's iteration of a job).</summary>
public sealed class AsyncLocalMultiTenantContextAccessor<T> : IMultiTenantContextAccessor<T> where T : class, ITenantInfo
{
    static readonly AsyncLocal<IMultiTenantContext<T>?> Current = new();

    public IMultiTenantContext<T> MultiTenantContext
    {
        get => Current.Value ?? MultiTenantContext<T>.Empty;
        set => Current.Value = value;
    }
}

public interface IMultiTenantStrategy
{
    /// <summary>The tenant identifier found in <paramref name="context"/> (an HttpContext), or null.</summary>
    Task<string?> GetIdentifierAsync(object context, CancellationToken ct);
}

public interface IMultiTenantStore<T> where T : class, ITenantInfo
{
    Task<T?> GetByIdentifierAsync(string identifier, CancellationToken ct);
    Task<T?> GetAsync(string id, CancellationToken ct);
    Task<IReadOnlyList<T>> GetAllAsync(CancellationToken ct);
}

public interface ITenantResolver<T> where T : class, ITenantInfo
{
    Task<IMultiTenantContext<T>> ResolveAsync(object context, CancellationToken ct);
}

/// <summary>Asks the strategy for an identifier, then the store for the tenant.</summary>
public sealed class TenantResolver<T>(IMultiTenantStrategy strategy, IMultiTenantStore<T> store) : ITenantResolver<T>
    where T : class, ITenantInfo
{
    public async Task<IMultiTenantContext<T>> ResolveAsync(object context, CancellationToken ct)
    {
        var identifier = await strategy.GetIdentifierAsync(context, ct);
        if (identifier == null) return MultiTenantContext<T>.Empty;
        return new MultiTenantContext<T>(await store.GetByIdentifierAsync(identifier, ct));
    }
}

/// <summary>
/// A tenant fixed at construction (Finbuckle's StaticMultiTenantContextAccessor), for work outside a request: a job's
/// or tool's <see cref="LmsCloud.Core.Database.LmsDbContext"/> serves this district and no other, whatever flows around it.
/// </summary>
public sealed class StaticTenantAccessor(District? district) : IMultiTenantContextAccessor<District>
{
    readonly IMultiTenantContext<District> _context = new MultiTenantContext<District>(district);

    public IMultiTenantContext<District> MultiTenantContext
    {
        get => _context;
        set => throw new InvalidOperationException("This accessor's district was fixed when it was made.");
    }
}
