using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Tenancy;

/// <summary>
/// Work for one district outside an HTTP request (CLI, seed, jobs): a fresh DI scope whose tenant context is that
/// district, so its <c>LmsDbContext</c> and RLS setting serve it and nothing carries over to the next district.
/// </summary>
public static class DistrictScope
{
    public static async Task<T> RunAsync<T>(IServiceProvider services, District district, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        var accessor = scope.ServiceProvider.GetRequiredService<IMultiTenantContextAccessor<District>>();
        accessor.MultiTenantContext = new MultiTenantContext<District>(district); // flows into work only, not back to the caller
        return await work(scope.ServiceProvider);
    }
}
