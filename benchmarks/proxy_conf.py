"""nginx in front of several Streamlit processes, sticky by cookie (open-source nginx has no `sticky`).

A visitor without the cookie is dealt to a backend by ``split_clients``; the reply sets
``convscope_route`` so the websocket, the /media images and every later request reach the same
process (a Streamlit session, its widgets and media files live in one process only). ``ip_hash`` would
not do: a lecture hall behind one NAT, or every simulated student on 127.0.0.1, shares one address.
"""
from __future__ import annotations


def nginx_conf(*, listen: int, upstream_ports: list[int], workdir: str, listen_host: str = "127.0.0.1") -> str:
    k = len(upstream_ports)
    share = f"{100 / k:.2f}".rstrip("0").rstrip(".")
    split = " ".join(f"{share}% r{i};" for i in range(k - 1)) + f" * r{k - 1};"
    known = " ".join(f"r{i} r{i};" for i in range(k))
    upstreams = "\n".join(f"  upstream r{i} {{ server 127.0.0.1:{p}; keepalive 8; }}"
                          for i, p in enumerate(upstream_ports))
    return f"""daemon off;  # stays the child of whoever starts it, so stopping that process stops nginx
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
  client_max_body_size 25m;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
  split_clients "${{remote_addr}}${{remote_port}}${{request_id}}" $new_route {{ {split} }}
  map $cookie_convscope_route $route {{ {known} default $new_route; }}
{upstreams}
  server {{
    listen {listen_host}:{listen};
    location / {{
      proxy_pass http://$route;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_read_timeout 1d;
      add_header Set-Cookie "convscope_route=$route; Path=/; HttpOnly; SameSite=Lax" always;
    }}
  }}
}}
"""
