using LmsCloud.Api.Auth;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using LmsCloud.Web.Imports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Rostering;

/// <summary><c>/api/sis/inbox</c>: deliver a package for the nightly import without importing it now, and list the inbox.</summary>
public static class InboxEndpoints
{
    public static IEndpointRouteBuilder MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/sis/inbox").WithTags("SIS import").RequireAuthorization(Policies.SisImport);
        inbox.MapPost("/", UploadAsync).Accepts<IFormFile>("multipart/form-data").DisableAntiforgery();
        inbox.MapGet("/", ListAsync);
        return app;
    }

    static async Task<Results<Created<InboxUploadResponse>, ProblemHttpResult>> UploadAsync(HttpRequest request, IFileStorage storage,
        IOptions<SisOptions> options, IMultiTenantContextAccessor<District> tenant, TimeProvider clock, CancellationToken ct)
    {
        var district = tenant.MultiTenantContext.TenantInfo!;
        var (name, key) = SisInbox.NewUpload(district.TenantId, clock.GetUtcNow());
        var (package, problem) = await PackageUpload.StoreAsync(request, storage, key, options.Value.MaxUploadBytes, ct);
        if (package == null) return ImportEndpoints.Problem(problem!);
        return TypedResults.Created("/api/sis/inbox", new InboxUploadResponse(name, package.Sha256, package.Length));
    }

    static async Task<Ok<List<InboxItemResponse>>> ListAsync(SisInbox inbox, IMultiTenantContextAccessor<District> tenant, CancellationToken ct) =>
        TypedResults.Ok(await inbox.ListCheckedAsync(tenant.MultiTenantContext.TenantInfo!, ct));
}
