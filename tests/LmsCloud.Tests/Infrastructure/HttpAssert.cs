using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LmsCloud.Tests.Infrastructure;

public static class HttpAssert
{
    /// <summary>The response is an RFC 9457 problem with this status (and title, when given); returns the problem document.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? title = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (title != null) Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem;
    }
}
