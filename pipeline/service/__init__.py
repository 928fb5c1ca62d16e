"""What the scheduled service needs beside the archive: each site's schedule (``schedules``) and the status of sites
and runs (``status``)."""
